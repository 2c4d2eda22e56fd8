import jwt from '@fastify/jwt';
import Fastify from 'fastify';

const app = Fastify();
app.register(jwt, { secret: process.env.JWT_SECRET });
app.get('/', async () => ({ hello: 'world' }));
app.register(async (api) => {
  api.addHook('onRequest', async (request, reply) => {
    try {
      await request.jwtVerify();
    } catch (err) {
      reply.send(err);
    }
  });
  api.get('/me', async (request) => ({ sub: request.user.sub }));
});
await app.listen({ port: 3000 });
