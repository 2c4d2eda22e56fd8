import { createServer, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import { expressApp } from './express.js';
import { fastifyApp } from './fastify.js';
import { honoApp } from './hono.js';
import { koaApp } from './koa.js';
import type { McpSettings } from './notes.js';

export { type AuthorizationServer, startAuthorizationServer } from './authorization-server.js';
export { ClientCredentialsClient, type Exchange, recordingFetch } from './client.js';
export { expressApp } from './express.js';
export { fastifyApp } from './fastify.js';
export { honoApp } from './hono.js';
export { koaApp } from './koa.js';
export {
  gateOptions,
  type McpSettings,
  type NotesClaims,
  noteCount,
  notesServer,
  REQUIRED_SCOPES,
  TOOL_SCOPES,
} from './notes.js';

/** The frameworks the example runs on. */
export const FRAMEWORKS = ['express', 'hono', 'fastify', 'koa'] as const;
/** One of {@link FRAMEWORKS}. */
export type Framework = (typeof FRAMEWORKS)[number];

async function listener(framework: Framework, settings: McpSettings): Promise<RequestListener> {
  if (framework === 'express') return expressApp(settings);
  if (framework === 'koa') return koaApp(settings).callback();
  if (framework === 'fastify') {
    const app = fastifyApp(settings);
    await app.ready();
    return (req, res) => app.routing(req, res);
  }
  return getRequestListener(honoApp(settings).fetch);
}

/** A running MCP server. */
export interface RunningMcpServer {
  /** The MCP endpoint, which is also the protected resource identifier: `http://127.0.0.1:<port>/mcp`. */
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Starts the example MCP server of `framework` on a free loopback port. The resource identifier
 * contains the port, so the server listens first and the app is built for its own URL.
 */
export async function serveMcp(framework: Framework, issuer: string): Promise<RunningMcpServer> {
  let handle: RequestListener | undefined;
  const server = createServer((req, res) => handle!(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`;
  handle = await listener(framework, { issuer, resource: url });
  return {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
