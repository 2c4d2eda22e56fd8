// How cheap can refusing a bad-signature HS256 token be in each framework (issue 12, item 11)?
// For Koa and Hono (@hono/node-server): req/s of the bare route, of a hand-written middleware
// that only checks the HMAC and answers 401 itself (the floor), of the same middleware throwing
// the framework's error instead (how middlewares hand errors to the app's error handling), and
// of tokengate's jwtAuth; each as a ratio to the bare route. Servers run in child processes; the
// load is autocannon (10 connections, keep-alive) from this process. Nothing is asserted.
//
//   pnpm build && node bench/rejection-floor.mjs [--seconds N] [--rounds N]
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';

const require = createRequire(import.meta.url);
const autocannon = require('autocannon');
const SECRET = 'a-test-secret-that-is-32-bytes!!';
const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '4' },
    rounds: { type: 'string', default: '3' },
    serve: { type: 'string' },
  },
});

if (values.serve) {
  // Server child: --serve framework:mode; prints its port.
  const [framework, mode] = values.serve.split(':');
  const secret = crypto.createSecretKey(Buffer.from(SECRET));
  const badSignature = (authorization) => {
    const token = (authorization ?? '').slice(7);
    const dot = token.lastIndexOf('.');
    const mac = crypto.createHmac('sha256', secret).update(token.slice(0, dot)).digest();
    const signature = Buffer.from(token.slice(dot + 1), 'base64url');
    return mac.length !== signature.length || !crypto.timingSafeEqual(mac, signature);
  };
  const CHALLENGE = {
    'WWW-Authenticate': 'Bearer error="invalid_token"',
    'Content-Type': 'application/json',
  };
  const BODY = '{"error":"invalid_token"}';
  const options = { secret: SECRET, issuer: 'https://issuer.bench.test/', audience: 'api://bench' };
  let server;
  if (framework === 'koa') {
    const { default: Koa } = await import('koa');
    const app = new Koa();
    app.silent = true;
    if (mode === 'tokengate') app.use((await import('../packages/koa/dist/index.js')).jwtAuth(options));
    else if (mode !== 'bare') {
      app.use(async (ctx, next) => {
        if (!badSignature(ctx.get('authorization'))) return next();
        if (mode === 'throw') {
          const error = Object.assign(new Error('token signature is invalid'), {
            status: 401,
            expose: true,
            headers: CHALLENGE,
          });
          throw error;
        }
        ctx.status = 401;
        ctx.set(CHALLENGE);
        ctx.body = BODY;
      });
    }
    app.use((ctx) => {
      ctx.body = { ok: true };
    });
    server = app.listen(0, '127.0.0.1');
  } else {
    const { Hono } = await import('hono');
    const { HTTPException } = await import('hono/http-exception');
    const { serve } = await import('@hono/node-server');
    const app = new Hono();
    app.onError((err, c) => (err instanceof HTTPException ? err.getResponse() : c.text('error', 500)));
    if (mode === 'tokengate') app.use('*', (await import('../packages/hono/dist/index.js')).jwtAuth(options));
    else if (mode !== 'bare') {
      app.use('*', async (c, next) => {
        if (!badSignature(c.req.header('authorization'))) return next();
        if (mode === 'throw')
          throw new HTTPException(401, { res: new Response(BODY, { status: 401, headers: CHALLENGE }) });
        return c.body(BODY, 401, CHALLENGE);
      });
    }
    app.get('/', (c) => c.json({ ok: true }));
    server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
  }
  server.on('listening', () => process.send({ port: server.address().port }));
  process.on('disconnect', () => process.exit(0));
} else {
  const b64 = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const input = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({
    iss: 'https://issuer.bench.test/',
    aud: 'api://bench',
    sub: 'bench',
    exp: Math.floor(Date.now() / 1000) + 3600,
  })}`;
  const signature = crypto.createHmac('sha256', SECRET).update(input).digest();
  signature[3] ^= 1;
  const bad = `${input}.${signature.toString('base64url')}`;
  const seconds = Number(values.seconds);
  const modes = ['bare', 'floor', 'throw', 'tokengate'];
  const results = {};
  for (let round = 0; round < Number(values.rounds); round++) {
    for (const framework of ['koa', 'hono']) {
      for (const mode of round % 2 ? [...modes].reverse() : modes) {
        const child = spawn(
          process.execPath,
          [new URL(import.meta.url).pathname, '--serve', `${framework}:${mode}`],
          {
            stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
            env: { ...process.env, NODE_ENV: 'production' },
          },
        );
        const { port } = await new Promise((resolve) => child.once('message', resolve));
        const load = (duration) =>
          autocannon({
            url: `http://127.0.0.1:${port}/`,
            connections: 10,
            duration,
            headers: { authorization: `Bearer ${bad}` },
          });
        await load(1);
        const run = await load(seconds);
        child.kill();
        const expected = mode === 'bare' ? '2xx' : 'non2xx';
        if (run[expected] !== run.requests.total) console.error(`${framework} ${mode}: unexpected statuses`);
        const key = `${framework} ${mode}`;
        results[key] = [...(results[key] ?? []), run.requests.average];
      }
    }
    console.error(`round ${round + 1} done`);
  }
  const median = (v) => [...v].sort((a, b) => a - b)[v.length >> 1];
  const label = {
    bare: 'bare route (no middleware)',
    floor: 'HMAC check, answers 401 itself',
    throw: "HMAC check, throws the framework's error",
    tokengate: 'tokengate jwtAuth',
  };
  console.log(
    `Refusing a bad-signature HS256 token: req/s (× bare), median of ${values.rounds} rounds of ${seconds} s\n`,
  );
  console.log('| middleware | koa | hono |');
  console.log('|---|---:|---:|');
  for (const mode of modes) {
    const cell = (fw) => {
      const r = median(results[`${fw} ${mode}`]);
      return `${(r / 1000).toFixed(1)}k (${(r / median(results[`${fw} bare`])).toFixed(2)}×)`;
    };
    console.log(`| ${label[mode]} | ${cell('koa')} | ${cell('hono')} |`);
  }
}
