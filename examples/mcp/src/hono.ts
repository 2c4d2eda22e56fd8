import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import { jwtAuth, protectedResourceMetadata, toHTTPException } from '@tokengate/hono';
import { Hono } from 'hono';
import { authOptions, checkToolScopes, createNotesServer, type McpSettings } from './notes.js';

export function honoApp(settings: McpSettings): Hono {
  const auth = jwtAuth(authOptions(settings));
  const app = new Hono();
  app.use(protectedResourceMetadata(authOptions(settings))); // RFC 9728 metadata, public
  app.post('/mcp', auth, async (c) => {
    const body = await c.req.json().catch(() => undefined);
    const denied = checkToolScopes(c, body); // 403 insufficient_scope + scope=
    if (denied) throw toHTTPException(denied);
    const transport = new WebStandardStreamableHTTPServerTransport({ enableJsonResponse: true });
    await createNotesServer(c.var.auth).connect(transport);
    return transport.handleRequest(c.req.raw, { parsedBody: body });
  });
  app.all('/mcp', auth, (c) => c.body(null, 405, { Allow: 'POST' }));
  return app;
}
