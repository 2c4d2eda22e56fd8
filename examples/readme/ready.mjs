import { jwtAuth as expressAuth } from '@tokengate/express';
import { jwtAuth as fastifyAuth } from '@tokengate/fastify';
import { jwtAuth as honoAuth } from '@tokengate/hono';
import { jwtAuth as koaAuth } from '@tokengate/koa';

const options = { issuer: 'https://idp.example.com/', audience: 'api://orders' };

// Every adapter's middleware carries its verifier. Awaiting ready() before listening turns a
// wrong issuer or an unreachable identity provider into a start-up error that says why.
const forExpress = expressAuth(options);
await forExpress.verifier.ready();

const forKoa = koaAuth(options);
await forKoa.verifier.ready();

const forHono = honoAuth(options);
await forHono.verifier.ready();

// Fastify: the onRequest hook's verifier (the plugin shares its key source, by URL).
const forFastify = fastifyAuth(options);
await forFastify.verifier.ready();
