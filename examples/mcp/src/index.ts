import { createServer, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import { expressApp } from './express.js';
import { expressSessionsApp } from './express-sessions.js';
import { fastifyApp } from './fastify.js';
import { fastifySessionsApp } from './fastify-sessions.js';
import { honoApp } from './hono.js';
import { honoSessionsApp } from './hono-sessions.js';
import { koaApp } from './koa.js';
import { koaSessionsApp } from './koa-sessions.js';
import type { McpSettings } from './notes.js';
import type { McpSessions } from './sessions.js';

export { type AuthorizationServer, startAuthorizationServer } from './authorization-server.js';
export { ClientCredentialsClient, type Exchange, recordingFetch } from './client.js';
export { expressApp } from './express.js';
export { expressSessionsApp } from './express-sessions.js';
export { fastifyApp } from './fastify.js';
export { fastifySessionsApp } from './fastify-sessions.js';
export { honoApp } from './hono.js';
export { honoSessionsApp } from './hono-sessions.js';
export { koaApp } from './koa.js';
export { koaSessionsApp } from './koa-sessions.js';
export {
  gateOptions,
  type McpSettings,
  type NotesClaims,
  noteCount,
  notesServer,
  REQUIRED_SCOPES,
  TOOL_SCOPES,
} from './notes.js';
export { McpSessions, type ReadBody, readBody, type SessionRefusal } from './sessions.js';

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
  return listen(async (url) => ({ handle: await listener(framework, { issuer, resource: url }) }));
}

/** The frameworks the example runs with sessions (stateful streamable HTTP) on. */
export const SESSION_FRAMEWORKS = ['express', 'hono', 'fastify', 'koa'] as const;

/** A running MCP server with sessions. */
export interface RunningMcpSessionsServer extends RunningMcpServer {
  /** Its sessions, each held to its token's life. */
  readonly sessions: McpSessions<any>;
}

/**
 * Starts the example MCP server with sessions of `framework` on a free loopback port. `resource`
 * defaults to the server's own URL; give the same one to several instances behind one address.
 */
export async function serveMcpSessions(
  framework: (typeof SESSION_FRAMEWORKS)[number],
  settings: Omit<McpSettings, 'resource'> & { resource?: string },
): Promise<RunningMcpSessionsServer> {
  let sessions: McpSessions<any> | undefined;
  const running = await listen(async (url) => {
    const resolved = { ...settings, resource: settings.resource ?? url };
    const built = await sessionsListener(framework, resolved);
    sessions = built.sessions;
    return built;
  });
  return { ...running, sessions: sessions! };
}

async function sessionsListener(framework: (typeof SESSION_FRAMEWORKS)[number], settings: McpSettings) {
  if (framework === 'express') {
    const app = expressSessionsApp(settings);
    return { handle: app as RequestListener, sessions: app.sessions, close: () => app.sessions.close() };
  }
  if (framework === 'koa') {
    const app = koaSessionsApp(settings);
    return {
      handle: app.callback() as RequestListener,
      sessions: app.sessions,
      close: () => app.sessions.close(),
    };
  }
  if (framework === 'fastify') {
    const app = fastifySessionsApp(settings);
    await app.ready();
    const handle: RequestListener = (req, res) => app.routing(req, res);
    return { handle, sessions: app.sessions, close: () => app.sessions.close().then(() => app.close()) };
  }
  const app = honoSessionsApp(settings);
  return { handle: getRequestListener(app.fetch), sessions: app.sessions, close: () => app.sessions.close() };
}

/** Listens on a free loopback port, then builds the handler for its own URL. */
async function listen(
  build: (url: string) => Promise<{ handle: RequestListener; close?: () => Promise<void> }>,
): Promise<RunningMcpServer> {
  let handle: RequestListener | undefined;
  const server = createServer((req, res) => handle!(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`;
  const built = await build(url);
  handle = built.handle;
  return {
    url,
    close: async () => {
      await built.close?.();
      await new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
    },
  };
}
