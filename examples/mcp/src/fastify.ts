import { toNodeHandler } from '@modelcontextprotocol/node';
import {
  bearerAuthChallengeResponse,
  createMcpHandler,
  verifyBearerToken,
} from '@modelcontextprotocol/server';
import { protectedResourceMetadata } from '@tokengate/fastify';
import Fastify, { type FastifyInstance } from 'fastify';
import { authOptions, gateOptions, type McpSettings, notesServer } from './notes.js';

export function fastifyApp(settings: McpSettings): FastifyInstance {
  const gate = gateOptions(settings); // tokengate's verifier, requiredScopes, resource_metadata
  const mcp = toNodeHandler(createMcpHandler(notesServer(gate.verifier)));
  const app = Fastify();
  app.addHook('onRequest', protectedResourceMetadata(authOptions(settings))); // RFC 9728 metadata, public
  app.all('/mcp', async (request, reply) => {
    let auth: Awaited<ReturnType<typeof verifyBearerToken>>;
    try {
      auth = await verifyBearerToken(request.headers.authorization, gate);
    } catch (error) {
      const answer = bearerAuthChallengeResponse(error, gate); // the SDK's 401/403/500
      answer.headers.forEach((value, name) => {
        reply.header(name, value);
      });
      return reply.code(answer.status).send(await answer.text());
    }
    reply.hijack();
    await mcp(Object.assign(request.raw, { auth }), reply.raw, request.body);
  });
  return app;
}
