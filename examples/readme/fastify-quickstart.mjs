import { getAuth, requireScope, tokengate } from '@tokengate/fastify';
import Fastify from 'fastify';

const app = Fastify();
await app.register(tokengate, { issuer: 'https://idp.example.com/', audience: 'api://orders' });
app.get('/orders', { preHandler: requireScope('orders:read') }, async (request) => ({
  user: getAuth(request).subject,
}));
await app.listen({ port: 3000 });
