import { serve } from '@hono/node-server';
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { securityRequirement, securityScheme } from '@tokengate/core';
import { getAuth, jwtAuth, RequireRole, requireRole, requireScope } from '@tokengate/hono';
import type { Context } from 'hono';

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

const Order = z.object({ id: z.string(), item: z.string(), owner: z.string() }).openapi('Order');
const orders = [
  { id: '1001', item: 'keyboard', owner: 'alice' },
  { id: '1002', item: 'monitor', owner: 'bob' },
];
const refusals = {
  401: { description: 'No token, or a bad one' },
  403: { description: 'The token lacks a scope or role' },
};

/** A class-based controller: the decorator guards the handler exactly as the middleware would. */
class AdminController {
  @RequireRole('admin')
  deleteOrder(c: Context) {
    return c.json({ deleted: c.req.param('id'), by: getAuth(c).subject });
  }
}

/**
 * A small orders API protected by tokengate (runs on Node, Bun, Deno and Workers), describing
 * itself with @hono/zod-openapi: the same guard middleware protects a route and documents it.
 */
export function createApp({ issuer, audience }: ExampleOptions) {
  const admin = new AdminController();
  const auth = { issuer, audience, realm: 'orders' };
  const canRead = requireScope('orders:read');
  const app = new OpenAPIHono();
  for (const [name, scheme] of Object.entries(securityScheme(auth))) {
    app.openAPIRegistry.registerComponent('securitySchemes', name, scheme);
  }
  app.get('/health', (c) => c.json({ ok: true }));
  app.use('/api/*', jwtAuth(auth));
  app.get('/api/me', (c) => {
    const { claims, scopes, roles } = getAuth(c);
    return c.json({ sub: claims.sub, name: claims.name ?? null, scopes: [...scopes], roles: [...roles] });
  });
  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/orders',
      middleware: [canRead] as const,
      security: securityRequirement(canRead),
      responses: {
        200: { description: 'The orders', content: { 'application/json': { schema: z.array(Order) } } },
        ...refusals,
      },
    }),
    (c) => c.json(orders, 200),
  );
  app.openAPIRegistry.registerPath({
    method: 'delete',
    path: '/api/orders/{id}',
    request: { params: z.object({ id: z.string() }) },
    security: securityRequirement(requireRole('admin')),
    responses: { 200: { description: 'Deleted' }, ...refusals },
  });
  app.delete('/api/orders/:id', (c) => admin.deleteOrder(c));
  app.doc31('/openapi.json', { openapi: '3.1.0', info: { title: 'Orders (Hono)', version: '1.0.0' } });
  return app;
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
