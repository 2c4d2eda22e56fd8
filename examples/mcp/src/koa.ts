import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { authErrorHandler, jwtAuth, protectedResourceMetadata } from '@tokengate/koa';
import Koa from 'koa';
import { authOptions, checkToolScopes, createNotesServer, type McpSettings, readJson } from './notes.js';

export function koaApp(settings: McpSettings): Koa {
  const auth = jwtAuth(authOptions(settings));
  const app = new Koa();
  app
    .use(authErrorHandler())
    .use(protectedResourceMetadata(authOptions(settings)))
    .use(auth);
  app.use(async (ctx) => {
    if (ctx.path !== '/mcp' || ctx.method !== 'POST') return ctx.throw(405, { headers: { Allow: 'POST' } });
    const body = await readJson(ctx.req);
    const denied = checkToolScopes(ctx, body); // 403 insufficient_scope + scope=
    if (denied) throw denied;
    const transport = new StreamableHTTPServerTransport({ enableJsonResponse: true });
    await createNotesServer(auth.getAuth(ctx)).connect(transport);
    ctx.respond = false;
    await transport.handleRequest(ctx.req, ctx.res, body);
  });
  return app;
}
