import { NodeStreamableHTTPServerTransport } from '@modelcontextprotocol/node';
import { protectedResourceMetadata } from '@tokengate/fastify';
import Fastify, { type FastifyInstance } from 'fastify';
import { checkBearer } from './bearer.js';
import { authOptions, gateOptions, type McpSettings, notesServer } from './notes.js';
import { McpSessions } from './sessions.js';

/**
 * The notes server with sessions on Fastify: each session, and its GET stream, ends when its
 * token expires, is revoked or loses its key.
 */
export function fastifySessionsApp(
  settings: McpSettings,
): FastifyInstance & { sessions: McpSessions<NodeStreamableHTTPServerTransport> } {
  const gate = gateOptions(settings); // tokengate's verifier, requiredScopes, resource_metadata
  const sessions = new McpSessions(
    gate.verifier,
    notesServer(gate.verifier),
    (options) => new NodeStreamableHTTPServerTransport(options),
  );
  const app = Fastify();
  app.addHook('onRequest', protectedResourceMetadata(authOptions(settings))); // RFC 9728 metadata, public
  app.all('/mcp', async (request, reply) => {
    const auth = await checkBearer(request.headers.authorization, gate);
    if (!('token' in auth)) {
      auth.headers.forEach((value, name) => {
        reply.header(name, value);
      });
      return reply.code(auth.status).send(await auth.text()); // the SDK's 401/403/500
    }
    const sessionId = request.headers['mcp-session-id'];
    const transport = await sessions.route(
      typeof sessionId === 'string' ? sessionId : undefined,
      request.body,
      auth,
    );
    if ('status' in transport) return reply.code(transport.status).send(transport.body);
    reply.hijack();
    await transport.handleRequest(Object.assign(request.raw, { auth }), reply.raw, request.body);
  });
  return Object.assign(app, { sessions });
}
