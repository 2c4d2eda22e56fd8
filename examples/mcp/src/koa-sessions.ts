import { NodeStreamableHTTPServerTransport, toWebRequest } from '@modelcontextprotocol/node';
import { protectedResourceMetadata } from '@tokengate/koa';
import Koa from 'koa';
import { checkBearer } from './bearer.js';
import { authOptions, gateOptions, type McpSettings, notesServer } from './notes.js';
import { McpSessions, type ReadBody, readBody } from './sessions.js';

/**
 * The notes server with sessions on Koa: each session, and its GET stream, ends when its token
 * expires, is revoked or loses its key.
 */
export function koaSessionsApp(
  settings: McpSettings,
): Koa & { sessions: McpSessions<NodeStreamableHTTPServerTransport> } {
  const gate = gateOptions(settings); // tokengate's verifier, requiredScopes, resource_metadata
  const sessions = new McpSessions(
    gate.verifier,
    notesServer(gate.verifier),
    (options) => new NodeStreamableHTTPServerTransport(options),
  );
  const app = new Koa();
  app.use(protectedResourceMetadata(authOptions(settings))); // RFC 9728 metadata, public
  app.use(async (ctx, next) => {
    if (ctx.path !== '/mcp') return next();
    const auth = await checkBearer(ctx.get('authorization') || undefined, gate);
    if (!('token' in auth)) {
      ctx.status = auth.status; // the SDK's 401/403/500
      auth.headers.forEach((value, name) => {
        ctx.set(name, value);
      });
      ctx.body = await auth.text();
      return;
    }
    const read =
      ctx.method === 'POST' ? await readBody(toWebRequest(ctx.req)) : ({ body: undefined } as ReadBody);
    if (read.status !== undefined) {
      ctx.status = read.status; // 413, or 400 for bad JSON
      ctx.body = read.body;
      return;
    }
    const body = read.body;
    const transport = await sessions.route(ctx.get('mcp-session-id') || undefined, body, auth);
    if ('status' in transport) {
      ctx.status = transport.status;
      ctx.body = transport.body;
      return;
    }
    ctx.respond = false; // the SDK's node handler writes the response
    await transport.handleRequest(Object.assign(ctx.req, { auth }), ctx.res, body);
  });
  return Object.assign(app, { sessions });
}
