import type { IncomingMessage } from 'node:http';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { authErrorHandler, jwtAuth, protectedResourceMetadata } from '@tokengate/express';
import express from 'express';
import { authOptions, checkToolScopes, createNotesServer, type McpSettings } from './notes.js';

export function expressApp(settings: McpSettings): express.Express {
  const auth = jwtAuth(authOptions(settings));
  const app = express();
  app.use(protectedResourceMetadata(authOptions(settings))); // RFC 9728 metadata, public
  app.post('/mcp', auth, express.json(), async (req, res, next) => {
    const denied = checkToolScopes(req, req.body); // 403 insufficient_scope + scope=
    if (denied) return next(denied);
    const transport = new StreamableHTTPServerTransport({ enableJsonResponse: true });
    await createNotesServer(auth.getAuth(req)).connect(transport);
    await transport.handleRequest(req as IncomingMessage, res, req.body);
  });
  app.all('/mcp', auth, (_req, res) => res.status(405).set('Allow', 'POST').end());
  return app.use(authErrorHandler());
}
