import { requireBearerAuth, WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/server';
import { protectedResourceMetadata } from '@tokengate/hono';
import { Hono } from 'hono';
import { authOptions, gateOptions, type McpSettings, notesServer } from './notes.js';
import { McpSessions, type ReadBody, readBody } from './sessions.js';

/**
 * The notes server with sessions on Hono: each session, and its GET stream, ends when its token
 * expires, is revoked or loses its key.
 */
export function honoSessionsApp(
  settings: McpSettings,
): Hono & { sessions: McpSessions<WebStandardStreamableHTTPServerTransport> } {
  const gate = gateOptions(settings); // tokengate's verifier, requiredScopes, resource_metadata
  const sessions = new McpSessions(
    gate.verifier,
    notesServer(gate.verifier),
    (options) => new WebStandardStreamableHTTPServerTransport(options),
  );
  const authenticate = requireBearerAuth(gate);
  const app = new Hono();
  app.use(protectedResourceMetadata(authOptions(settings))); // RFC 9728 metadata, public
  app.all('/mcp', async (c) => {
    const authInfo = await authenticate(c.req.raw); // the AuthInfo, or the SDK's 401/403 answer
    if (!('token' in authInfo)) return authInfo; // not `instanceof Response`: see hono.ts
    const read = c.req.method === 'POST' ? await readBody(c.req.raw) : ({ body: undefined } as ReadBody);
    if (read.status !== undefined) return c.json(read.body, read.status); // 413, or 400 for bad JSON
    const transport = await sessions.route(c.req.header('mcp-session-id'), read.body, authInfo);
    if ('status' in transport) return c.json(transport.body, transport.status);
    return transport.handleRequest(c.req.raw, { parsedBody: read.body, authInfo });
  });
  return Object.assign(app, { sessions });
}
