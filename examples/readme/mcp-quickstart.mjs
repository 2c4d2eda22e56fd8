import { serve } from '@hono/node-server';
import { createMcpHandler, McpServer, requireBearerAuth } from '@modelcontextprotocol/server';
import { resourceMetadataUrl } from '@tokengate/core';
import { protectedResourceMetadata } from '@tokengate/hono';
import { mcpTokenVerifier, toolScopes } from '@tokengate/mcp';
import { Hono } from 'hono';

const options = { issuer: 'https://idp.example.com/', resource: 'https://mcp.example.com/mcp' };
const verifier = mcpTokenVerifier(options); // aud must be the resource
const scopeChallenge = toolScopes({ list_notes: 'notes:read', add_note: 'notes:write' });
const mcp = createMcpHandler(() => {
  const server = new McpServer({ name: 'notes', version: '1.0.0' });
  server.registerTool('list_notes', { scopeChallenge }, () => ({ content: [{ type: 'text', text: '[]' }] }));
  server.registerTool('add_note', { scopeChallenge }, () => ({ content: [{ type: 'text', text: 'added' }] }));
  return server;
});
const gate = requireBearerAuth({ verifier, resourceMetadataUrl: resourceMetadataUrl(options.resource) });

const app = new Hono();
app.use(protectedResourceMetadata(options)); // RFC 9728 metadata
app.all('/mcp', async (c) => {
  const authInfo = await gate(c.req.raw); // AuthInfo, or the SDK's 401 (not `instanceof Response` on Node)
  return 'token' in authInfo ? mcp.fetch(c.req.raw, { authInfo }) : authInfo;
});
serve({ fetch: app.fetch, port: 3000 });
