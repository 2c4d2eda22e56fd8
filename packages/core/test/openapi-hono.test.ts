import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { Validator } from '@seriousme/openapi-schema-validator';
import { requireAnyScope, requireScope, securityRequirement, securityScheme } from '@tokengate/core';
import { expect, it } from 'vitest';

// The same guard objects a Hono app passes to its tokengate guards describe the routes here.
const canRead = requireScope('orders:read');
const canWrite = requireAnyScope('orders:write', 'orders:admin');
const auth = { issuer: 'https://idp.example.com/', audience: 'api://orders' };

const Order = z.object({ id: z.string(), total: z.number() }).openapi('Order');
const responses = {
  401: { description: 'No token, or a bad one' },
  403: { description: 'The token lacks a scope' },
};

it('describes tokengate security in an @hono/zod-openapi document that validates as OpenAPI 3.1', async () => {
  const app = new OpenAPIHono();
  for (const [name, scheme] of Object.entries(securityScheme(auth))) {
    app.openAPIRegistry.registerComponent('securitySchemes', name, scheme);
  }
  app.openapi(
    createRoute({
      method: 'get',
      path: '/orders',
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

  const res = await app.request('/openapi.json');
  expect(res.status).toBe(200);
  const doc = (await res.json()) as any;
  const result = await new Validator().validate(doc);
  expect(result.errors).toBeUndefined();
  expect(result.valid).toBe(true);
  expect(doc.components.securitySchemes).toEqual({
    bearerAuth: {
      type: 'openIdConnect',
      openIdConnectUrl: 'https://idp.example.com/.well-known/openid-configuration',
    },
  });
  expect(doc.paths['/orders'].get.security).toEqual([{ bearerAuth: ['orders:read'] }]);
  expect(doc.paths['/orders/{id}'].put.security).toEqual([
    { bearerAuth: ['orders:write'] },
    { bearerAuth: ['orders:admin'] },
  ]);
});
