import Router from '@koa/router';
import { securityRequirement, securityScheme } from '@tokengate/core';
import { authErrorHandler, getAuth, jwtAuth, RequireRole, requireRole, requireScope } from '@tokengate/koa';
import Koa, { type Context, type Next } from 'koa';

// App-wide claim types: every ctx.state.auth.claims in this app is typed with them.
declare module '@tokengate/core' {
  interface Register {
    claims: { sub: string; name?: string; scope?: string; roles?: string[] };
  }
}

/** Settings of the example API. */
export interface ExampleOptions {
  /** The identity provider's issuer URL; keys come from its OIDC discovery document. */
  issuer: string;
  /** This API's identifier, expected in `aud`. */
  audience: string;
}

const orders = [
  { id: '1001', item: 'keyboard', owner: 'alice' },
  { id: '1002', item: 'monitor', owner: 'bob' },
];

/** A class-based controller: the decorator guards the handler exactly as the middleware would. */
class AdminController {
  @RequireRole('admin')
  async deleteOrder(ctx: Context, _next: Next) {
    ctx.body = {
      deleted: (ctx as Context & { params: Record<string, string> }).params.id,
      by: getAuth(ctx).subject,
    };
  }
}

/** A small orders API protected by tokengate. */
export function createApp({ issuer, audience }: ExampleOptions): Koa {
  const app = new Koa();
  const admin = new AdminController();
  const router = new Router();
  const auth = { issuer, audience, realm: 'orders' };
  const canRead = requireScope('orders:read');
  router.get('/health', (ctx) => {
    ctx.body = { ok: true };
  });
  router.get('/openapi.json', (ctx) => {
    ctx.body = openApiDocument(auth, canRead);
  });

  const api = new Router({ prefix: '/api' });
  api.use(jwtAuth(auth));
  api.get('/me', (ctx) => {
    const { claims, scopes, roles } = getAuth(ctx);
    ctx.body = { sub: claims.sub, name: claims.name ?? null, scopes: [...scopes], roles: [...roles] };
  });
  api.get('/orders', canRead, (ctx) => {
    ctx.body = orders;
  });
  api.delete('/orders/:id', (ctx, next) => admin.deleteOrder(ctx, next));

  app.use(authErrorHandler());
  app.use(router.routes()).use(api.routes()).use(api.allowedMethods());
  return app;
}

/** The OpenAPI 3.1 document: security derived from the same options and guard middleware. */
function openApiDocument(auth: ExampleOptions, canRead: ReturnType<typeof requireScope>) {
  const ok = {
    200: { description: 'OK' },
    401: { description: 'No token or a bad one' },
    403: { description: 'Forbidden' },
  };
  return {
    openapi: '3.1.0',
    info: { title: 'Orders (Koa)', version: '1.0.0' },
    components: { securitySchemes: securityScheme(auth) },
    paths: {
      '/api/me': { get: { security: securityRequirement([]), responses: ok } },
      '/api/orders': { get: { security: securityRequirement(canRead), responses: ok } },
      '/api/orders/{id}': {
        delete: {
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
          security: securityRequirement(requireRole('admin')),
          responses: ok,
        },
      },
    },
  };
}

/** Starts the example on 127.0.0.1 (port 0 = any free port). */
export function listen(
  options: ExampleOptions & { port?: number },
): Promise<{ url: string; close(): Promise<void> }> {
  return new Promise((resolve) => {
    const server = createApp(options).listen(options.port ?? 0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      resolve({
        url: `http://127.0.0.1:${port}`,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}
