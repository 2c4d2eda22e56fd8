import { serve } from '@hono/node-server';
import { jwtAuth, requireScope } from '@tokengate/hono';
import { Hono } from 'hono';

const app = new Hono()
  .use('/api/*', jwtAuth({ issuer: 'https://idp.example.com/', audience: 'api://orders' }))
  .get('/api/orders', requireScope('orders:read'), (c) => c.json({ user: c.var.auth.subject }));
serve({ fetch: app.fetch, port: 3000 });
