// Server CPU per request on the rejecting paths (issue 12, item 11): for Express, Koa, Hono
// (@hono/node-server) and Fastify with tokengate's jwtAuth (HS256; Fastify: the plugin), the bare route, a valid token, a
// bad-signature token, a garbage token and no token. Each server runs in its own child process
// and reports its own process.cpuUsage(), so the load generator's CPU is not counted: on a busy
// machine this is steadier than req/s. Hono runs twice: with its default error handler and with
// an `app.onError` that returns the HTTPException's own response.
//
//   pnpm build && node bench/rejection-cpu.mjs [--requests N] [--frameworks fastify,koa]
import { fork } from 'node:child_process';
import crypto from 'node:crypto';
import { Agent, createServer, request as httpRequest } from 'node:http';
import { parseArgs } from 'node:util';

const SECRET = crypto.randomBytes(32).toString('base64url');

if (process.argv[2] === '--serve') {
  const framework = process.argv[3];
  const secret = process.argv[4];
  const dist = (name) => new URL(`../packages/${name}/dist/index.js`, import.meta.url).href;
  let listener;
  if (framework.startsWith('hono')) {
    const { getRequestListener } = await import('@hono/node-server');
    const { Hono } = await import('hono');
    const { HTTPException } = await import('hono/http-exception');
    const { jwtAuth } = await import(dist('hono'));
    const app = new Hono();
    if (framework === 'hono+onError') {
      app.onError((err, c) => (err instanceof HTTPException ? err.getResponse() : c.text('error', 500)));
    }
    app.get('/bare', (c) => c.json({ ok: true }));
    app.use(jwtAuth({ secret }));
    app.get('/', (c) => c.json({ ok: true, sub: c.get('auth').claims.sub }));
    listener = getRequestListener(app.fetch);
  } else if (framework === 'fastify') {
    const { default: Fastify } = await import('fastify');
    const { tokengate } = await import(dist('fastify'));
    const app = Fastify();
    app.get('/bare', async () => ({ ok: true }));
    app.register(async (api) => {
      await api.register(tokengate, { secret });
      api.get('/', async (request) => ({ ok: true, sub: request.auth.claims.sub }));
    });
    await app.ready();
    listener = (req, res) => app.routing(req, res);
  } else if (framework === 'koa') {
    const { default: Koa } = await import('koa');
    const { jwtAuth } = await import(dist('koa'));
    const app = new Koa();
    app.silent = true;
    const auth = jwtAuth({ secret });
    app.use((ctx, next) => {
      if (ctx.path !== '/bare') return auth(ctx, next);
      ctx.body = { ok: true };
    });
    app.use((ctx) => {
      ctx.body = { ok: true, sub: ctx.state.auth.claims.sub };
    });
    listener = app.callback();
  } else {
    const { default: express } = await import('express');
    const { jwtAuth, authErrorHandler } = await import(dist('express'));
    const app = express();
    app.get('/bare', (_req, res) => res.json({ ok: true }));
    app.use(jwtAuth({ secret }));
    app.get('/', (req, res) => res.json({ ok: true, sub: req.auth.claims.sub }));
    app.use(authErrorHandler());
    listener = app;
  }
  const server = createServer(listener);
  server.listen(0, '127.0.0.1', () => process.send(server.address().port));
  process.on('message', (m) => {
    if (m === 'exit') process.exit(0);
    const used = process.cpuUsage();
    process.send(used.user + used.system);
  });
  process.on('disconnect', () => process.exit(0));
} else {
  const { values } = parseArgs({
    options: { requests: { type: 'string', default: '6000' }, frameworks: { type: 'string' } },
  });
  const requests = Number(values.requests);
  const b64u = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const input = `${b64u({ alg: 'HS256', typ: 'JWT' })}.${b64u({ sub: 'a', exp: 2e9 })}`;
  const valid = `${input}.${crypto.createHmac('sha256', SECRET).update(input).digest('base64url')}`;
  const bad = `${input}.${crypto.createHmac('sha256', 'x'.repeat(32)).update(input).digest('base64url')}`;
  // The bare route last, when the server is warm.
  const paths = [
    ['valid', '/', valid],
    ['bad signature', '/', bad],
    ['garbage token', '/', 'abc.def.ghi'],
    ['no token', '/', undefined],
    ['bare route', '/bare', undefined],
  ];
  const rows = [];
  const frameworks = values.frameworks?.split(',') ?? ['express', 'koa', 'hono', 'hono+onError', 'fastify'];
  for (const framework of frameworks) {
    const child = fork(new URL(import.meta.url), ['--serve', framework, SECRET], {
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    const port = await new Promise((resolve) => child.once('message', resolve));
    const cpu = () =>
      new Promise((resolve) => {
        child.once('message', resolve);
        child.send('cpu');
      });
    const agent = new Agent({ keepAlive: true, maxSockets: 8 });
    const one = (path, token) =>
      new Promise((resolve, reject) => {
        const headers = token ? { authorization: `Bearer ${token}` } : {};
        const req = httpRequest({ port, host: '127.0.0.1', path, agent, headers }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode));
        });
        req.on('error', reject);
        req.end();
      });
    const row = { framework };
    for (const [name, path, token] of paths) {
      for (let i = 0; i < 400; i += 8) await Promise.all(Array.from({ length: 8 }, () => one(path, token)));
      const before = await cpu();
      let status;
      for (let i = 0; i < requests; i += 8) {
        status = (await Promise.all(Array.from({ length: 8 }, () => one(path, token))))[0];
      }
      row[name] = { us: ((await cpu()) - before) / requests, status };
    }
    agent.destroy();
    child.send('exit');
    rows.push(row);
  }
  console.log(
    `Server CPU per request, µs (${requests} requests per cell, ${process.version}); × = bare route ÷ path\n`,
  );
  console.log(`| framework | ${paths.map(([name]) => name).join(' | ')} |`);
  console.log(`|---|${paths.map(() => '---:').join('|')}|`);
  for (const row of rows) {
    const bare = row['bare route'].us;
    const cells = paths.map(([name]) => {
      const { us, status } = row[name];
      return name === 'bare route'
        ? `${us.toFixed(0)}`
        : `${us.toFixed(0)} (${status}, ${(bare / us).toFixed(2)}×)`;
    });
    console.log(`| ${row.framework} | ${cells.join(' | ')} |`);
  }
}
