import { requireBearerAuth } from '@modelcontextprotocol/express';
import { toNodeHandler } from '@modelcontextprotocol/node';
import { createMcpHandler } from '@modelcontextprotocol/server';
import { resourceMetadataUrl } from '@tokengate/core';
import { protectedResourceMetadata } from '@tokengate/express';
import express from 'express';
import { authOptions, type McpSettings, notesServer, notesVerifier, REQUIRED_SCOPES } from './notes.js';

export function expressApp(settings: McpSettings): express.Express {
  const verifier = notesVerifier(settings);
  const mcp = toNodeHandler(createMcpHandler(notesServer(verifier)));
  const gate = requireBearerAuth({
    verifier,
    requiredScopes: REQUIRED_SCOPES,
    resourceMetadataUrl: resourceMetadataUrl(settings.resource), // 401s carry resource_metadata
  });
  const app = express();
  app.use(protectedResourceMetadata(authOptions(settings))); // RFC 9728 metadata, public
  app.all('/mcp', gate, (req, res) => mcp(req, res)); // the gate puts AuthInfo on req.auth
  return app;
}
