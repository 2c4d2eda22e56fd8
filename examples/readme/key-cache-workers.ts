import { workersKeyCache } from '@tokengate/core';
import { getAuth, jwtAuth } from '@tokengate/hono';
import { Hono } from 'hono';

const app = new Hono();
app.use(
  '/api/*',
  jwtAuth({
    issuer: 'https://idp.example.com/',
    audience: 'api://orders',
    // The isolates of a data center share the keys one of them fetched (or caches.default).
    keyCache: workersKeyCache(() => caches.open('tokengate-keys')),
  }),
);
app.get('/api/me', (c) => c.json({ sub: getAuth(c).subject }));

export default app; // the Worker
