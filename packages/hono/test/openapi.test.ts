import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { Validator } from '@seriousme/openapi-schema-validator';
import { requireAnyScope, requireScope, securityRequirement, securityScheme } from '@tokengate/core';
import { createTestIssuer, type TestIssuer } from '@tokengate/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { guard, jwtAuth } from '../src/index.js';

// The same guard objects protect the routes (as middleware) and describe them (as `security`).
const canRead = requireScope('orders:read');
const canWrite = requireAnyScope('orders:write', 'orders:admin');

const Order = z.object({ id: z.string(), total: z.number() }).openapi('Order');
const responses = {
  401: { description: 'No token, or a bad one' },
  403: { description: 'The token lacks a scope' },
};

let idp: TestIssuer;
let app: OpenAPIHono;

beforeAll(async () => {
  idp = await createTestIssuer({ alg: 'ES256', issuer: 'https://idp.test/', audience: 'api://orders' });
  const auth = { jwks: idp.jwks, issuer: 'https://idp.test/', audience: 'api://orders' };
  app = new OpenAPIHono();
  for (const [name, scheme] of Object.entries(securityScheme(auth))) {
    app.openAPIRegistry.registerComponent('securitySchemes', name, scheme);
  }
  app.use('/orders/*', jwtAuth(auth));
  app.use('/orders', jwtAuth(auth));
  app.openapi(
    createRoute({
      method: 'get',
      path: '/orders',
      middleware: [guard(canRead)] as const,
      security: securityRequirement(canRead),
      responses: {
        200: { description: 'The orders', content: { 'application/json': { schema: z.array(Order) } } },
        ...responses,
      },
    }),
    (c) => c.json([{ id: '1', total: 10 }], 200),
  );
  app.openapi(
    createRoute({
      method: 'put',
      path: '/orders/{id}',
      middleware: [guard(canWrite)] as const,
      request: {
        params: z.object({ id: z.string() }),
        body: { content: { 'application/json': { schema: Order } } },
      },
      security: securityRequirement(canWrite),
      responses: {
        200: { description: 'Changed', content: { 'application/json': { schema: Order } } },
        ...responses,
      },
    }),
    (c) => c.json(c.req.valid('json'), 200),
  );
  app.doc31('/openapi.json', { openapi: '3.1.0', info: { title: 'Orders', version: '1.0.0' } });
});

describe('a Hono app with @hono/zod-openapi describing its tokengate security', () => {
  it('serves a document that validates as OpenAPI 3.1, with the guards as security', async () => {
    const res = await app.request('/openapi.json');
    expect(res.status).toBe(200);
    const doc = (await res.json()) as any;
    const result = await new Validator().validate(doc);
    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
    expect(doc.components.securitySchemes).toEqual({
      bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
    });
    expect(doc.paths['/orders'].get.security).toEqual([{ bearerAuth: ['orders:read'] }]);
    expect(doc.paths['/orders/{id}'].put.security).toEqual([
      { bearerAuth: ['orders:write'] },
      { bearerAuth: ['orders:admin'] },
    ]);
  });

  it('describes an issuer-only configuration with OpenID Connect discovery', () => {
    expect(securityScheme({ issuer: 'https://idp.test/', audience: 'api://orders' })).toEqual({
      bearerAuth: {
        type: 'openIdConnect',
        openIdConnectUrl: 'https://idp.test/.well-known/openid-configuration',
      },
    });
  });

  it('enforces what the document announces', async () => {
    const call = async (method: string, path: string, scope?: string) => {
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (scope !== undefined) headers.authorization = `Bearer ${await idp.sign({ scope })}`;
      const body = method === 'PUT' ? JSON.stringify({ id: '7', total: 3 }) : undefined;
      return (await app.request(path, { method, headers, body })).status;
    };
    expect(await call('GET', '/orders')).toBe(401);
    expect(await call('GET', '/orders', 'other')).toBe(403);
    expect(await call('GET', '/orders', 'orders:read')).toBe(200);
    expect(await call('PUT', '/orders/7', 'orders:write')).toBe(200);
    expect(await call('PUT', '/orders/7', 'orders:admin')).toBe(200);
    expect(await call('PUT', '/orders/7', 'orders:read')).toBe(403);
  });
});
