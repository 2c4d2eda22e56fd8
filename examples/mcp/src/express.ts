import { requireBearerAuth } from '@modelcontextprotocol/express';
import { toNodeHandler } from '@modelcontextprotocol/node';
import { createMcpHandler } from '@modelcontextprotocol/server';
import { protectedResourceMetadata } from '@tokengate/express';
import express from 'express';
import { authOptions, gateOptions, type McpSettings, notesServer } from './notes.js';

export function expressApp(settings: McpSettings): express.Express {
  const gate = gateOptions(settings); // tokengate's verifier, requiredScopes, resource_metadata
  const mcp = toNodeHandler(createMcpHandler(notesServer(gate.verifier)));
  const app = express();
  app.use(protectedResourceMetadata(authOptions(settings))); // RFC 9728 metadata, public
  app.all('/mcp', requireBearerAuth(gate), (req, res) => mcp(req, res)); // the gate puts AuthInfo on req.auth
  return app;
}
