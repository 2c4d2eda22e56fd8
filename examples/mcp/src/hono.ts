import { createMcpHandler, requireBearerAuth } from '@modelcontextprotocol/server';
import { protectedResourceMetadata } from '@tokengate/hono';
import { Hono } from 'hono';
import { authOptions, gateOptions, type McpSettings, notesServer } from './notes.js';

export function honoApp(settings: McpSettings): Hono {
  const gate = gateOptions(settings); // tokengate's verifier, requiredScopes, resource_metadata
  const mcp = createMcpHandler(notesServer(gate.verifier));
  const authenticate = requireBearerAuth(gate);
  const app = new Hono();
  app.use(protectedResourceMetadata(authOptions(settings))); // RFC 9728 metadata, public
  app.all('/mcp', async (c) => {
    const authInfo = await authenticate(c.req.raw); // the AuthInfo, or the SDK's 401/403 answer
    // Not `instanceof Response`: @hono/node-server swaps the global Response for its own class,
    // and the SDK's answer is not an instance of it (the request would go on unauthenticated).
    return 'token' in authInfo ? mcp.fetch(c.req.raw, { authInfo }) : authInfo;
  });
  return app;
}
