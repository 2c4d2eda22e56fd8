import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { jwt } from 'hono/jwt';

const app = new Hono();
app.get('/', (c) => c.json({ hello: 'world' }));
app.use('/api/*', jwt({ secret: process.env.JWT_SECRET, alg: 'HS256' }));
app.get('/api/me', (c) => c.json({ sub: c.get('jwtPayload').sub }));
serve({ fetch: app.fetch, port: 3000 });
