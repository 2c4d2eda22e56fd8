import { Validator } from '@seriousme/openapi-schema-validator';
import { securityRequirement, securityScheme } from '@tokengate/core';
import { createTestIssuer, type TestIssuer } from '@tokengate/core/testing';
import { authErrorHandler, jwtAuth, requireAnyScope, requireRole, requireScope } from '@tokengate/express';
import express from 'express';
import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';

// The guard middleware are values: the same objects protect the routes and describe them.
const canRead = requireScope('orders:read');
const canWrite = requireAnyScope('orders:write', 'orders:admin');
const isAdmin = requireRole('admin');

let idp: TestIssuer;
let app: express.Express;

beforeAll(async () => {
  idp = await createTestIssuer({ alg: 'ES256', issuer: 'https://idp.test/', audience: 'api://orders' });
  const auth = { jwks: idp.jwks, issuer: 'https://idp.test/', audience: 'api://orders' };
  const responses = {
    '200': { description: 'OK' },
    '401': { description: 'No token, or a bad one' },
    '403': { description: 'The token lacks a scope or role' },
  };
  const openapi = {
    openapi: '3.1.0',
    info: { title: 'Orders API', version: '1.0.0' },
    components: { securitySchemes: securityScheme(auth, { description: 'Access tokens from idp.test' }) },
    paths: {
      '/orders': { get: { summary: 'List orders', security: securityRequirement(canRead), responses } },
      '/orders/{id}': {
        parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
        put: { summary: 'Change an order', security: securityRequirement(canWrite), responses },
        delete: { summary: 'Delete an order', security: securityRequirement([canRead, isAdmin]), responses },
      },
      '/openapi.json': {
        get: { summary: 'This document', security: [], responses: { '200': { description: 'OK' } } },
      },
    },
  };

  app = express();
  app.get('/openapi.json', (_req, res) => res.json(openapi));
  app.use(jwtAuth(auth));
  app.get('/orders', canRead, (_req, res) => res.json([]));
  app.put('/orders/:id', canWrite, (req, res) => res.json({ id: req.params.id }));
  app.delete('/orders/:id', canRead, isAdmin, (_req, res) => res.status(204).end());
  app.use(authErrorHandler());
});

describe('an Express app describing its tokengate security in OpenAPI 3.1', () => {
  it('serves a valid document whose security matches the guards', async () => {
    const res = await request(app).get('/openapi.json').expect(200);
    const result = await new Validator().validate(res.body);
    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
    expect(res.body.components.securitySchemes).toEqual({
      bearerAuth: {
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'JWT',
        description: 'Access tokens from idp.test',
      },
    });
    expect(res.body.paths['/orders'].get.security).toEqual([{ bearerAuth: ['orders:read'] }]);
    expect(res.body.paths['/orders/{id}'].put.security).toEqual([
      { bearerAuth: ['orders:write'] },
      { bearerAuth: ['orders:admin'] },
    ]);
    expect(res.body.paths['/orders/{id}'].delete.security).toEqual([{ bearerAuth: ['orders:read'] }]);
  });

  it('enforces what the document announces', async () => {
    const bearer = async (claims: Record<string, unknown>) => `Bearer ${await idp.sign(claims)}`;
    await request(app).get('/orders').expect(401);
    await request(app)
      .get('/orders')
      .set('Authorization', await bearer({ scope: 'other' }))
      .expect(403);
    await request(app)
      .get('/orders')
      .set('Authorization', await bearer({ scope: 'orders:read' }))
      .expect(200);
    // each alternative of the PUT requirement is enough on its own
    for (const granted of ['orders:write', 'orders:admin']) {
      await request(app)
        .put('/orders/7')
        .set('Authorization', await bearer({ scope: granted }))
        .expect(200);
    }
    await request(app)
      .put('/orders/7')
      .set('Authorization', await bearer({ scope: 'orders:read' }))
      .expect(403);
    await request(app)
      .delete('/orders/7')
      .set('Authorization', await bearer({ scope: 'orders:read', roles: ['admin'] }))
      .expect(204);
    await request(app)
      .delete('/orders/7')
      .set('Authorization', await bearer({ scope: 'orders:read' }))
      .expect(403);
  });
});
