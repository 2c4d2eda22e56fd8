import { toNodeHandler } from '@modelcontextprotocol/node';
import {
  bearerAuthChallengeResponse,
  createMcpHandler,
  verifyBearerToken,
} from '@modelcontextprotocol/server';
import { resourceMetadataUrl } from '@tokengate/core';
import { protectedResourceMetadata } from '@tokengate/koa';
import Koa from 'koa';
import { authOptions, type McpSettings, notesServer, notesVerifier, REQUIRED_SCOPES } from './notes.js';

export function koaApp(settings: McpSettings): Koa {
  const verifier = notesVerifier(settings);
  const mcp = toNodeHandler(createMcpHandler(notesServer(verifier)));
  const gate = {
    verifier,
    requiredScopes: REQUIRED_SCOPES,
    resourceMetadataUrl: resourceMetadataUrl(settings.resource), // 401s carry resource_metadata
  };
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
