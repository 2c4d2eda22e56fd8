import type { IncomingMessage } from 'node:http';
import { requireBearerAuth } from '@modelcontextprotocol/express';
import { toNodeHandler } from '@modelcontextprotocol/node';
import { type AuthInfo, createMcpHandler } from '@modelcontextprotocol/server';
import { protectedResourceMetadata } from '@tokengate/express';
import express from 'express';
import { authOptions, gateOptions, type McpSettings, notesServer } from './notes.js';

/**
 * `req.auth` is declared twice: as tokengate's context by @tokengate/express, and as the SDK's
 * AuthInfo by @modelcontextprotocol/express. Behind the SDK's gate it holds the AuthInfo, which
 * is what the SDK's node handler reads: say so at this one place.
 */
const asSdkRequest = (req: express.Request) => req as unknown as IncomingMessage & { auth?: AuthInfo };

export function expressApp(settings: McpSettings): express.Express {
  const gate = gateOptions(settings); // tokengate's verifier, requiredScopes, resource_metadata
  const mcp = toNodeHandler(createMcpHandler(notesServer(gate.verifier)));
  const app = express();
  app.use(protectedResourceMetadata(authOptions(settings))); // RFC 9728 metadata, public
  app.all('/mcp', requireBearerAuth(gate), (req, res) => mcp(asSdkRequest(req), res)); // AuthInfo on req.auth
  return app;
}
