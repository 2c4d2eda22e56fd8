import type { IncomingMessage } from 'node:http';
import { requireBearerAuth } from '@modelcontextprotocol/express';
import { NodeStreamableHTTPServerTransport } from '@modelcontextprotocol/node';
import type { AuthInfo } from '@modelcontextprotocol/server';
import { protectedResourceMetadata } from '@tokengate/express';
import express from 'express';
import { authOptions, gateOptions, type McpSettings, notesServer } from './notes.js';
import { McpSessions } from './sessions.js';

/** Behind the SDK's gate, `req.auth` holds the SDK's `AuthInfo` (see express.ts). */
const asSdkRequest = (req: express.Request) => req as unknown as IncomingMessage & { auth: AuthInfo };

/**
 * The notes server with sessions (stateful streamable HTTP): each session, and its GET stream,
 * ends when its token expires, is revoked or loses its key.
 */
export function expressSessionsApp(
  settings: McpSettings,
): express.Express & { sessions: McpSessions<NodeStreamableHTTPServerTransport> } {
  const gate = gateOptions(settings); // tokengate's verifier, requiredScopes, resource_metadata
  const sessions = new McpSessions(
    gate.verifier,
    notesServer(gate.verifier),
    (options) => new NodeStreamableHTTPServerTransport(options),
  );
  const app = express();
  app.use(protectedResourceMetadata(authOptions(settings))); // RFC 9728 metadata, public
  app.all('/mcp', requireBearerAuth(gate), express.json(), async (req, res) => {
    const sdkRequest = asSdkRequest(req);
    const transport = await sessions.route(req.get('mcp-session-id'), req.body, sdkRequest.auth);
    if ('status' in transport) return void res.status(transport.status).json(transport.body);
    await transport.handleRequest(sdkRequest, res, req.body);
  });
  return Object.assign(app, { sessions });
}
