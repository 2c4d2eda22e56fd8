import { securityRequirement, securityScheme } from '@tokengate/core';
import { jwtAuth, requireRole, requireScope } from '@tokengate/express';
import express from 'express';

const auth = { issuer: 'https://idp.example.com/', audience: 'api://orders' };
const canRead = requireScope('orders:read');
const isAdmin = requireRole('admin');

const app = express();
app.get('/openapi.json', (_req, res) =>
  res.json({
    openapi: '3.1.0',
    info: { title: 'Orders', version: '1.0.0' },
    components: { securitySchemes: securityScheme(auth) }, // openIdConnect, from the issuer
    paths: {
      '/orders': {
        get: { security: securityRequirement(canRead), responses: { 200: { description: 'OK' } } },
      },
      '/orders/{id}': {
        delete: {
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
          security: securityRequirement([canRead, isAdmin]),
          responses: { 204: { description: 'Deleted' } },
        },
      },
    },
  }),
);
app.use(jwtAuth(auth));
app.get('/orders', canRead, (_req, res) => res.json([]));
app.delete('/orders/:id', canRead, isAdmin, (_req, res) => res.status(204).end());
app.listen(3000);
