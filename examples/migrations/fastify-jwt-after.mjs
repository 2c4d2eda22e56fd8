import { getAuth, tokengate } from '@tokengate/fastify';
import Fastify from 'fastify';

const app = Fastify();
app.get('/', async () => ({ hello: 'world' }));
app.register(async (api) => {
  // The plugin protects the scope it is registered in: what the onRequest hook did.
  await api.register(tokengate, {
    secret: process.env.JWT_SECRET, // at least 32 bytes (see below)
    // requireExp: false, // only while tokens without `exp` are still in use
    // algorithms: ['HS256', 'HS384', 'HS512'], // fast-jwt's default for a secret (64 bytes then)
  });
  api.get('/me', async (request) => ({ sub: getAuth(request).claims.sub }));
});
await app.listen({ port: 3000 });
