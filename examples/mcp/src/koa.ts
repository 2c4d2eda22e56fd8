import { toNodeHandler } from '@modelcontextprotocol/node';
import {
  bearerAuthChallengeResponse,
  createMcpHandler,
  verifyBearerToken,
} from '@modelcontextprotocol/server';
import { protectedResourceMetadata } from '@tokengate/koa';
import Koa from 'koa';
import { authOptions, gateOptions, type McpSettings, notesServer } from './notes.js';

export function koaApp(settings: McpSettings): Koa {
  const gate = gateOptions(settings); // tokengate's verifier, requiredScopes, resource_metadata
  const mcp = toNodeHandler(createMcpHandler(notesServer(gate.verifier)));
  const app = new Koa();
  app.use(protectedResourceMetadata(authOptions(settings))); // RFC 9728 metadata, public
  app.use(async (ctx, next) => {
    if (ctx.path !== '/mcp') return next();
    let auth: Awaited<ReturnType<typeof verifyBearerToken>>;
    try {
      auth = await verifyBearerToken(ctx.get('authorization'), gate);
    } catch (error) {
      const answer = bearerAuthChallengeResponse(error, gate); // the SDK's 401/403/500
      ctx.status = answer.status;
      answer.headers.forEach((value, name) => {
        ctx.set(name, value);
      });
      ctx.body = await answer.text();
      return;
    }
    ctx.respond = false; // the SDK's node handler writes the response
    await mcp(Object.assign(ctx.req, { auth }), ctx.res);
  });
  return app;
}
