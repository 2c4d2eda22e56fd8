import { serve } from '@hono/node-server';
import { getAuth, jwtAuth, RequireRole, requireScope } from '@tokengate/hono';
import { type Context, Hono } from 'hono';

// App-wide claim types: every c.var.auth.claims in this app is typed with them.
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
  deleteOrder(c: Context) {
    return c.json({ deleted: c.req.param('id'), by: getAuth(c).subject });
  }
}

/** A small orders API protected by tokengate (runs on Node, Bun, Deno and Workers). */
export function createApp({ issuer, audience }: ExampleOptions) {
  const admin = new AdminController();
  const api = new Hono()
    .use(jwtAuth({ issuer, audience, realm: 'orders' }))
    .get('/me', (c) => {
      const { claims, scopes, roles } = c.var.auth;
      return c.json({ sub: claims.sub, name: claims.name ?? null, scopes: [...scopes], roles: [...roles] });
    })
    .get('/orders', requireScope('orders:read'), (c) => c.json(orders))
    .delete('/orders/:id', (c) => admin.deleteOrder(c));
  return new Hono().get('/health', (c) => c.json({ ok: true })).route('/api', api);
}

/** Starts the example on 127.0.0.1 with @hono/node-server (port 0 = any free port). */
export function listen(
  options: ExampleOptions & { port?: number },
): Promise<{ url: string; close(): Promise<void> }> {
  return new Promise((resolve) => {
    const server = serve(
      { fetch: createApp(options).fetch, port: options.port ?? 0, hostname: '127.0.0.1' },
      (info) => {
        resolve({
          url: `http://127.0.0.1:${info.port}`,
          close: () =>
            new Promise<void>((done) => {
              (server as { closeAllConnections?: () => void }).closeAllConnections?.();
              server.close(() => done());
            }),
        });
      },
    );
  });
}
