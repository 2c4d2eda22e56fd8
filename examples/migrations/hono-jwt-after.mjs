import { serve } from '@hono/node-server';
import { getAuth, jwtAuth } from '@tokengate/hono';
import { Hono } from 'hono';

const app = new Hono();
app.get('/', (c) => c.json({ hello: 'world' }));
app.use(
  '/api/*',
  jwtAuth({
    secret: process.env.JWT_SECRET, // at least 32 bytes (see below)
    // requireExp: false, // only while tokens without `exp` are still in use
  }),
);
app.get('/api/me', (c) => c.json({ sub: getAuth(c).claims.sub }));
serve({ fetch: app.fetch, port: 3000 });
