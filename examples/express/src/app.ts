import { securityRequirement, securityScheme } from '@tokengate/core';
import {
  authErrorHandler,
  getAuth,
  jwtAuth,
  RequireRole,
  requireRole,
  requireScope,
} from '@tokengate/express';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';

// App-wide claim types: every req.auth.claims in this app is typed with them.
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
  deleteOrder(req: Request, res: Response, _next: NextFunction) {
    res.json({ deleted: req.params.id, by: getAuth(req).subject });
  }
}

/** A small orders API protected by tokengate. */
export function createApp({ issuer, audience }: ExampleOptions): Express {
  const app = express();
  const admin = new AdminController();
  const auth = { issuer, audience, realm: 'orders' };
  const canRead = requireScope('orders:read');
  app.get('/health', (_req, res) => res.json({ ok: true }));
  app.get('/openapi.json', (_req, res) => res.json(openApiDocument(auth, canRead)));

  app.use('/api', jwtAuth(auth));
  app.get('/api/me', (req, res) => {
    const { claims, scopes, roles } = getAuth(req);
    res.json({ sub: claims.sub, name: claims.name ?? null, scopes: [...scopes], roles: [...roles] });
  });
  app.get('/api/orders', canRead, (_req, res) => res.json(orders));
  app.delete('/api/orders/:id', (req, res, next) => admin.deleteOrder(req, res, next));

  app.use(authErrorHandler());
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
    info: { title: 'Orders (Express)', version: '1.0.0' },
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
