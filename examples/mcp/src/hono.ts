import { createMcpHandler, requireBearerAuth } from '@modelcontextprotocol/server';
import { resourceMetadataUrl } from '@tokengate/core';
import { protectedResourceMetadata } from '@tokengate/hono';
import { Hono } from 'hono';
import { authOptions, type McpSettings, notesServer, notesVerifier, REQUIRED_SCOPES } from './notes.js';

export function honoApp(settings: McpSettings): Hono {
  const verifier = notesVerifier(settings);
  const mcp = createMcpHandler(notesServer(verifier));
  const gate = requireBearerAuth({
    verifier,
    requiredScopes: REQUIRED_SCOPES,
    resourceMetadataUrl: resourceMetadataUrl(settings.resource), // 401s carry resource_metadata
  });
  const app = new Hono();
  app.use(protectedResourceMetadata(authOptions(settings))); // RFC 9728 metadata, public
  app.all('/mcp', async (c) => {
    const authInfo = await gate(c.req.raw); // the AuthInfo, or the SDK's 401/403 answer
    // Not `instanceof Response`: @hono/node-server swaps the global Response for its own class,
    // and the SDK's answer is not an instance of it (the request would go on unauthenticated).
    return 'token' in authInfo ? mcp.fetch(c.req.raw, { authInfo }) : authInfo;
  });
  return app;
}
