// One benchmark server (a child process of http.mjs): one framework, one middleware, one algorithm.
// It receives its configuration over IPC, listens on 127.0.0.1 (random port), reports the port,
// and exits when its parent disconnects or tells it to stop.
import { createHmac, createSecretKey, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import { AUDIENCE, cryptoKeyFor, hydrateKeys, ISSUER, loadTokengate } from './common.mjs';

process.on('disconnect', () => process.exit(0));
process.on('SIGTERM', () => process.exit(0));
// Never outlive a forgotten parent: a hard ceiling on the lifetime of a benchmark server.
setTimeout(() => process.exit(2), 10 * 60_000).unref();

/**
 * The floor of a refusal (issue 26, item 13): a hand-written HS256 check that does only what a
 * refusal cannot skip — read the header, one HMAC over the signing input, a constant-time compare —
 * and answers the same 401 challenge tokengate sends. A valid token's payload is parsed for `sub`;
 * nothing else (no claims, no header policy): it is a floor, not a verifier.
 */
const FLOOR_CHALLENGE = 'Bearer error="invalid_token", error_description="token signature is invalid"';
function hmacFloor(secret) {
  const key = createSecretKey(Buffer.from(secret));
  return (authorization) => {
    if (typeof authorization !== 'string' || !authorization.startsWith('Bearer ')) return undefined;
    const token = authorization.slice(7);
    const dot = token.lastIndexOf('.');
    if (dot < 0) return undefined;
    const mac = createHmac('sha256', key).update(token.slice(0, dot)).digest();
    const signature = Buffer.from(token.slice(dot + 1), 'base64url');
    if (signature.length !== mac.length || !timingSafeEqual(signature, mac)) return undefined;
    const payload = token.slice(token.indexOf('.') + 1, dot);
    return JSON.parse(Buffer.from(payload, 'base64url').toString()).sub;
  };
}

/** Per-middleware factories: `{ build(ctx) → middleware, sub(reqLike) → string }` per framework. */
const MIDDLEWARES = {
  express: {
    bare: async () => ({ mw: null, sub: () => 'anonymous' }),
    // The floor of any middleware: one that does nothing but call the next one.
    'no-op': async () => ({ mw: (_req, _res, next) => next(), sub: () => 'anonymous' }),
    'HMAC check (floor)': async ({ key }) => {
      const check = hmacFloor(key.secret);
      return {
        mw: (req, res, next) => {
          const sub = check(req.headers.authorization);
          if (sub === undefined)
            return res.status(401).set('WWW-Authenticate', FLOOR_CHALLENGE).json({ error: 'invalid_token' });
          req.sub = sub;
          next();
        },
        sub: (req) => req.sub,
      };
    },
    'express-jwt': async ({ alg, key }) => {
      const { expressjwt } = await import('express-jwt');
      return {
        mw: expressjwt({
          secret: alg === 'HS256' ? key.secret : key.publicPem,
          algorithms: [alg],
          issuer: ISSUER,
          audience: AUDIENCE,
        }),
        sub: (req) => req.auth.sub,
      };
    },
    'express-oauth2-jwt-bearer': async ({ alg, key, jwksUri }) => {
      const { auth } = await import('express-oauth2-jwt-bearer');
      const opts =
        alg === 'HS256'
          ? { secret: key.secret, tokenSigningAlg: 'HS256' }
          : { jwksUri, tokenSigningAlg: alg };
      return {
        mw: auth({ issuer: ISSUER, audience: AUDIENCE, ...opts }),
        sub: (req) => req.auth.payload.sub,
      };
    },
    tokengate: async ({ tokengateOptions }) => {
      const tg = await loadTokengate('express');
      return { mw: tg.mod.jwtAuth(tokengateOptions), sub: (req) => req.auth.claims.sub };
    },
  },
  koa: {
    bare: async () => ({ mw: null, sub: () => 'anonymous' }),
    'no-op': async () => ({ mw: (_ctx, next) => next(), sub: () => 'anonymous' }),
    'HMAC check (floor)': async ({ key }) => {
      const check = hmacFloor(key.secret);
      return {
        mw: (ctx, next) => {
          const sub = check(ctx.get('authorization'));
          if (sub === undefined) {
            ctx.status = 401;
            ctx.set('WWW-Authenticate', FLOOR_CHALLENGE);
            ctx.body = 'token signature is invalid';
            return;
          }
          ctx.state.sub = sub;
          return next();
        },
        sub: (ctx) => ctx.state.sub,
      };
    },
    'koa-jwt': async ({ alg, key }) => {
      const { default: koaJwt } = await import('koa-jwt');
      return {
        mw: koaJwt({
          secret: alg === 'HS256' ? key.secret : key.publicPem,
          algorithms: [alg],
          issuer: ISSUER,
          audience: AUDIENCE,
        }),
        sub: (ctx) => ctx.state.user.sub,
      };
    },
    tokengate: async ({ tokengateOptions }) => {
      const tg = await loadTokengate('koa');
      return { mw: tg.mod.jwtAuth(tokengateOptions), sub: (ctx) => ctx.state.auth.claims.sub };
    },
    "tokengate (refusals: 'respond')": async ({ tokengateOptions }) => {
      const tg = await loadTokengate('koa');
      return {
        mw: tg.mod.jwtAuth({ ...tokengateOptions, refusals: 'respond' }),
        sub: (ctx) => ctx.state.auth.claims.sub,
      };
    },
  },
  hono: {
    bare: async () => ({ mw: null, sub: () => 'anonymous' }),
    'no-op': async () => ({ mw: (_c, next) => next(), sub: () => 'anonymous' }),
    'HMAC check (floor)': async ({ key }) => {
      const check = hmacFloor(key.secret);
      return {
        mw: (c, next) => {
          const sub = check(c.req.header('authorization'));
          if (sub === undefined)
            return c.json({ error: 'invalid_token' }, 401, { 'WWW-Authenticate': FLOOR_CHALLENGE });
          c.set('sub', sub);
          return next();
        },
        sub: (c) => c.get('sub'),
      };
    },
    'hono/jwt': async ({ alg, key }) => {
      const { jwt } = await import('hono/jwt');
      return {
        // A CryptoKey imported once: hono's fastest form (a string key is re-imported per request).
        mw: jwt({ secret: await cryptoKeyFor(alg, key), alg, verification: { iss: ISSUER, aud: AUDIENCE } }),
        sub: (c) => c.get('jwtPayload').sub,
      };
    },
    'hono/jwk': async ({ alg, key }) => {
      const { jwk } = await import('hono/jwk');
      return {
        mw: jwk({ keys: [key.publicJwk], alg: [alg], verification: { iss: ISSUER, aud: AUDIENCE } }),
        sub: (c) => c.get('jwtPayload').sub,
      };
    },
    tokengate: async ({ tokengateOptions }) => {
      const tg = await loadTokengate('hono');
      return { mw: tg.mod.jwtAuth(tokengateOptions), sub: (c) => c.get('auth').claims.sub };
    },
    "tokengate (refusals: 'respond')": async ({ tokengateOptions }) => {
      const tg = await loadTokengate('hono');
      return {
        mw: tg.mod.jwtAuth({ ...tokengateOptions, refusals: 'respond' }),
        sub: (c) => c.get('auth').claims.sub,
      };
    },
  },
  // Fastify: `mw` registers a plugin. @fastify/jwt as its README has it (an onRequest hook calling
  // request.jwtVerify()), its fast-jwt verifier with and without fast-jwt's cache.
  fastify: {
    bare: async () => ({ mw: null, sub: () => 'anonymous' }),
    // An onRequest hook that does nothing: where tokengate's own hook runs.
    'no-op': async () => ({
      mw: (app) => app.addHook('onRequest', (_request, _reply, done) => done()),
      sub: () => 'anonymous',
    }),
    'HMAC check (floor)': async ({ key }) => {
      const check = hmacFloor(key.secret);
      return {
        mw: (app) => {
          app.decorateRequest('sub', undefined);
          app.addHook('onRequest', (request, reply, done) => {
            const sub = check(request.headers.authorization);
            if (sub === undefined) {
              reply.code(401).header('WWW-Authenticate', FLOOR_CHALLENGE).send({ error: 'invalid_token' });
              return;
            }
            request.sub = sub;
            done();
          });
        },
        sub: (request) => request.sub,
      };
    },
    '@fastify/jwt': async (args) => fastifyJwt(args, false),
    '@fastify/jwt (cache)': async (args) => fastifyJwt(args, true),
    tokengate: async ({ tokengateOptions }) => {
      const tg = await loadTokengate('fastify');
      return { mw: (app) => app.register(tg.mod.tokengate, tokengateOptions), sub: (r) => r.auth.claims.sub };
    },
    'tokengate (cache: false)': async ({ tokengateOptions }) => {
      const tg = await loadTokengate('fastify');
      return {
        mw: (app) => app.register(tg.mod.tokengate, { ...tokengateOptions, cache: false }),
        sub: (r) => r.auth.claims.sub,
      };
    },
  },
};

async function fastifyJwt({ alg, key }, cache) {
  const { default: jwt } = await import('@fastify/jwt');
  return {
    mw: (app) => {
      app.register(jwt, {
        secret: alg === 'HS256' ? key.secret : { public: key.publicPem },
        verify: {
          algorithms: [alg],
          allowedIss: ISSUER,
          allowedAud: AUDIENCE,
          ...(cache ? { cache: true } : {}),
        },
      });
      app.addHook('onRequest', async (request) => {
        await request.jwtVerify();
      });
    },
    sub: (request) => request.user.sub,
  };
}

async function startExpress({ mw, sub }) {
  const { default: express } = await import('express');
  const app = express();
  if (mw) app.use(mw);
  app.get('/', (req, res) => {
    res.json({ ok: true, sub: sub(req) });
  });
  // The same error handler for every middleware: status and challenge headers, a short JSON body.
  app.use((err, _req, res, _next) => {
    const status = err.status ?? err.statusCode ?? 500;
    if (err.headers && typeof err.headers === 'object') res.set(err.headers);
    res.status(status).json({ error: err.code ?? 'error' });
  });
  return listen(http.createServer(app));
}

async function startKoa({ mw, sub }) {
  const { default: Koa } = await import('koa');
  const app = new Koa();
  app.silent = true;
  if (mw) app.use(mw);
  app.use((ctx) => {
    ctx.body = { ok: true, sub: sub(ctx) };
  });
  return listen(http.createServer(app.callback()));
}

async function startHono({ mw, sub }) {
  const { Hono } = await import('hono');
  const { serve } = await import('@hono/node-server');
  const { HTTPException } = await import('hono/http-exception');
  const app = new Hono();
  // The same error handler for every middleware, as for Express: the exception's own response.
  // (Hono's default handler re-wraps that response's body stream, which @hono/node-server then
  // pipes with separate writes: it makes every refusal ~3× dearer, whatever the middleware.)
  app.onError((err, c) =>
    err instanceof HTTPException ? err.getResponse() : c.json({ error: 'error' }, 500),
  );
  if (mw) app.use('*', mw);
  app.get('/', (c) => c.json({ ok: true, sub: sub(c) }));
  return new Promise((resolve) => {
    const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => resolve(info.port));
    server.on('error', (err) => fail(err));
  });
}

async function startFastify({ mw, sub }) {
  const { default: Fastify } = await import('fastify');
  const app = Fastify();
  if (mw) await mw(app);
  app.get('/', async (request) => ({ ok: true, sub: sub(request) }));
  await app.listen({ port: 0, host: '127.0.0.1' });
  return app.server.address().port;
}

function listen(server) {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server.address().port));
  });
}

/** A local JWKS endpoint on 127.0.0.1 for middlewares that only take a `jwksUri`. */
async function startJwks(jwk) {
  const body = JSON.stringify({ keys: [jwk] });
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' }).end(body);
  });
  const port = await listen(server);
  return `http://127.0.0.1:${port}/.well-known/jwks.json`;
}

function fail(err) {
  process.send?.({ type: 'error', message: err?.stack ?? String(err) });
  process.exit(1);
}

process.on('message', async (msg) => {
  if (msg?.type === 'stop') process.exit(0);
  // The server's CPU time so far (µs, user + system): http.mjs divides a cell's share by the
  // requests it answered, a figure a busy machine disturbs less than requests per second.
  if (msg?.type === 'cpu') {
    const used = process.cpuUsage();
    process.send({ type: 'cpu', us: used.user + used.system });
    return;
  }
  if (msg?.type !== 'start') return;
  try {
    const { framework, middleware, alg } = msg.config;
    const keys = hydrateKeys(msg.config.keys);
    const key = keys[alg];
    const jwksUri = alg === 'HS256' ? undefined : await startJwks(key.publicJwk);
    const tokengateOptions = {
      ...(alg === 'HS256' ? { secret: key.secret } : { publicKey: key.publicPem }),
      issuer: ISSUER,
      audience: AUDIENCE,
    };
    const nest = framework === 'nestjs' ? await import('./nest.mjs') : undefined;
    const factory = nest ? nest.NEST_MIDDLEWARES[middleware] : MIDDLEWARES[framework]?.[middleware];
    if (!factory) throw new Error(`unknown cell ${framework}/${middleware}`);
    const built = await factory({ alg, key, jwksUri, tokengateOptions });
    const start = nest
      ? nest.startNest
      : { express: startExpress, koa: startKoa, hono: startHono, fastify: startFastify }[framework];
    const port = await start(built);
    process.send({ type: 'ready', port });
  } catch (err) {
    fail(err);
  }
});
process.send?.({ type: 'hello' });
