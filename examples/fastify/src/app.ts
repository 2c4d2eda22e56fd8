import { securityRequirement, securityScheme } from '@tokengate/core';
import { getAuth, RequireRole, requireRole, requireScope, tokengate } from '@tokengate/fastify';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';

// App-wide claim types: every request.auth.claims in this app is typed with them.
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

type OrderRequest = FastifyRequest<{ Params: { id: string } }>;

/** A class-based controller: the decorator guards the handler exactly as the preHandler would. */
class AdminController {
  @RequireRole('admin')
  async deleteOrder(request: OrderRequest, _reply: FastifyReply) {
    return { deleted: request.params.id, by: getAuth(request).subject };
  }
}

/** A small orders API protected by tokengate: public routes at the root, the API in `/api`. */
export function createApp({ issuer, audience }: ExampleOptions): FastifyInstance {
  const app = Fastify();
  const admin = new AdminController();
  const auth = { issuer, audience, realm: 'orders' };
  const canRead = requireScope('orders:read');
  app.get('/health', async () => ({ ok: true }));
  app.get('/openapi.json', async () => openApiDocument(auth, canRead));

  // The plugin protects the scope it is registered in: this encapsulated context only.
  app.register(
    async (api) => {
      await api.register(tokengate, auth);
      api.get('/me', async (request) => {
        const { claims, scopes, roles } = getAuth(request);
        return { sub: claims.sub, name: claims.name ?? null, scopes: [...scopes], roles: [...roles] };
      });
      api.get('/orders', { preHandler: canRead }, async () => orders);
      api.delete('/orders/:id', (request: OrderRequest, reply) => admin.deleteOrder(request, reply));
    },
    { prefix: '/api' },
  );
  return app;
}

/** The OpenAPI 3.1 document: security derived from the same options and guard hooks. */
function openApiDocument(auth: ExampleOptions, canRead: ReturnType<typeof requireScope>) {
  const ok = {
    200: { description: 'OK' },
    401: { description: 'No token or a bad one' },
    403: { description: 'Forbidden' },
  };
  return {
    openapi: '3.1.0',
    info: { title: 'Orders (Fastify)', version: '1.0.0' },
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
export async function listen(
  options: ExampleOptions & { port?: number },
): Promise<{ url: string; close(): Promise<void> }> {
  const app = createApp(options);
  await app.listen({ port: options.port ?? 0, host: '127.0.0.1' });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      app.server.closeAllConnections();
      await app.close();
    },
  };
}
