#!/usr/bin/env node
// Requests/s of a guarded Express route: without revocation, with the in-memory store, and with
// the Redis store (@tokengate/redis, 10 000 revoked jtis in its mirror), in the same run.
// Issue 5's target: the Redis store within 5 % of no revocation.
//
//   pnpm build && node bench/revocation.mjs [--seconds 2] [--rounds 7] [--connections 32]
//
// The apps run in a child process (one core); this process drives them with keep-alive
// connections on 127.0.0.1 (the other core). Rounds are interleaved so drift hits every
// variant alike; the median round is reported, as req/s and as the server's CPU time per
// request (which other load on the machine barely moves). Needs `redis-server`
// (scripts/ensure-redis.mjs).
import { fork, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { performance } from 'node:perf_hooks';

const root = new URL('../', import.meta.url);
const dist = (path) => new URL(path, root).href;

function option(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  const value = i === -1 ? fallback : Number(process.argv[i + 1]);
  if (!Number.isFinite(value) || value <= 0) throw new TypeError(`--${name} must be a positive number`);
  return value;
}

// ---------------------------------------------------------------- server (child process)
async function serve(redisUrl) {
  const { default: express } = await import('express');
  const { jwtAuth, authErrorHandler, createMemoryRevocationStore } = await import(
    dist('packages/express/dist/index.js')
  );
  const { createRedisRevocationStore } = await import(dist('packages/redis/dist/index.js'));
  const { createTestIssuer } = await import(dist('packages/core/dist/testing/index.js'));

  const idp = await createTestIssuer({ alg: 'HS256' });
  const redis = createRedisRevocationStore({ url: redisUrl, prefix: `bench${process.pid}:` });
  await redis.ready();
  const memory = createMemoryRevocationStore();
  const exp = Math.floor(Date.now() / 1000) + 3600;
  for (let i = 0; i < 10_000; i++) {
    await Promise.all([redis.revoke(`revoked-${i}`, exp), memory.revoke(`revoked-${i}`, exp)]);
  }

  const variants = { none: undefined, memory, redis };
  const ports = {};
  for (const [name, revocation] of Object.entries(variants)) {
    const app = express();
    app.use(jwtAuth(revocation ? { secret: idp.secret, revocation } : { secret: idp.secret }));
    app.get('/orders', (req, res) => {
      res.json({ sub: req.auth.subject });
    });
    app.use(authErrorHandler());
    ports[name] = await new Promise((resolve) => {
      const server = app.listen(0, '127.0.0.1', () => resolve(server.address().port));
    });
  }
  const tokens = [];
  for (let i = 0; i < 100; i++) tokens.push(await idp.sign({ sub: `user-${i}` }, { expiresIn: '1h' }));
  // The hot-path cost itself, free of HTTP noise: one isRevoked() call on a verified context.
  const verifier = jwtAuth({ secret: idp.secret }).verifier;
  const contexts = await Promise.all(tokens.map((token) => verifier.verify(token)));
  const perCall = {};
  for (const [name, store] of [
    ['memory', memory],
    ['redis', redis],
  ]) {
    let revoked = 0;
    for (let i = 0; i < 200_000; i++) if (store.isRevoked(contexts[i % contexts.length])) revoked++; // warm-up
    const n = 2_000_000;
    const start = performance.now();
    for (let i = 0; i < n; i++) if (store.isRevoked(contexts[i % contexts.length])) revoked++;
    perCall[name] = ((performance.now() - start) * 1e6) / n;
    if (revoked !== 0) throw new Error('bench tokens must not be revoked');
  }
  process.send({ ports, tokens, revokedInMirror: redis.size, perCall });
  process.on('message', async (message) => {
    if (message === 'cpu') process.send({ cpu: process.cpuUsage() });
    if (message === 'stop') {
      await redis.close();
      process.exit(0);
    }
  });
}

// ---------------------------------------------------------------- load generator
/** Keep-alive GETs on `connections` sockets for `seconds`; returns completed 200s per second. */
function load(port, tokens, seconds, connections) {
  return new Promise((resolve, reject) => {
    let ok = 0;
    let failed = 0;
    let open = connections;
    const deadline = performance.now() + seconds * 1000;
    const start = performance.now();
    for (let c = 0; c < connections; c++) {
      const requests = tokens.map((token) =>
        Buffer.from(`GET /orders HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${token}\r\n\r\n`),
      );
      let next = c % requests.length;
      let buffer = Buffer.alloc(0);
      const socket = connect(port, '127.0.0.1', () => socket.write(requests[next]));
      socket.on('error', reject);
      socket.on('data', (chunk) => {
        buffer = buffer.length ? Buffer.concat([buffer, chunk]) : chunk;
        for (;;) {
          const end = buffer.indexOf('\r\n\r\n');
          if (end === -1) return;
          const head = buffer.subarray(0, end).toString('latin1');
          const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0);
          if (buffer.length < end + 4 + length) return;
          if (head.startsWith('HTTP/1.1 200')) ok++;
          else failed++;
          buffer = buffer.subarray(end + 4 + length);
          if (performance.now() >= deadline) {
            socket.end();
            if (--open === 0) resolve({ rps: ok / ((performance.now() - start) / 1000), ok, failed });
            return;
          }
          next = (next + 1) % requests.length;
          socket.write(requests[next]);
        }
      });
    }
  });
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function startRedis() {
  const binary = existsSync('/usr/bin/redis-server') ? '/usr/bin/redis-server' : 'redis-server';
  if (spawnSync(binary, ['--version']).status !== 0) {
    console.error('bench/revocation: redis-server not found; run `node scripts/ensure-redis.mjs` first.');
    process.exit(1);
  }
  const port = await freePort();
  const child = spawn(
    binary,
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('redis-server did not start within 10 s')), 10_000);
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
      if (out.includes('Ready to accept connections')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => reject(new Error(`redis-server exited with ${code}`)));
  });
  return { url: `redis://127.0.0.1:${port}`, child };
}

async function main() {
  const seconds = option('seconds', 2);
  const rounds = option('rounds', 7);
  const connections = option('connections', 32);
  const redis = await startRedis();
  const child = fork(new URL(import.meta.url), ['--serve', redis.url], { stdio: 'inherit' });
  try {
    const { ports, tokens, revokedInMirror, perCall } = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('bench server did not start within 60 s')), 60_000);
      child.once('message', (message) => {
        clearTimeout(timer);
        resolve(message);
      });
      child.once('exit', (code) => reject(new Error(`bench server exited with ${code}`)));
    });
    console.log(
      `revocation bench: Node ${process.version}, ${connections} connections, ${rounds} × ${seconds} s per variant, ` +
        `${tokens.length} distinct HS256 tokens, ${revokedInMirror} revoked jtis in the Redis mirror`,
    );
    for (const port of Object.values(ports)) await load(port, tokens, 1, connections); // warm-up
    /** The server process's CPU time (user + system, µs): unlike req/s, barely moved by other load. */
    const serverCpu = () =>
      new Promise((resolve) => {
        const onMessage = (message) => {
          if (!message?.cpu) return;
          child.off('message', onMessage);
          resolve(message.cpu.user + message.cpu.system);
        };
        child.on('message', onMessage);
        child.send('cpu');
      });
    const results = Object.fromEntries(Object.keys(ports).map((name) => [name, { rps: [], cpu: [] }]));
    for (let round = 0; round < rounds; round++) {
      for (const [name, port] of Object.entries(ports)) {
        const before = await serverCpu();
        const { rps, ok, failed } = await load(port, tokens, seconds, connections);
        const after = await serverCpu();
        if (failed > 0) throw new Error(`${name}: ${failed} responses were not 200`);
        results[name].rps.push(rps);
        results[name].cpu.push((after - before) / ok);
      }
    }
    const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
    const vs = (value, reference) =>
      `${value > reference ? '+' : ''}${((value / reference - 1) * 100).toFixed(1)} %`;
    const base = { rps: median(results.none.rps), cpu: median(results.none.cpu) };
    console.log(
      '| variant | req/s (median) | vs none | server CPU per request (median) | vs none | req/s per round |',
    );
    console.log('|---|---:|---:|---:|---:|---|');
    for (const [name, { rps, cpu }] of Object.entries(results)) {
      const r = median(rps);
      const c = median(cpu);
      console.log(
        `| ${name} | ${Math.round(r)} | ${name === 'none' ? '—' : vs(r, base.rps)} | ${c.toFixed(1)} µs | ` +
          `${name === 'none' ? '—' : vs(c, base.cpu)} | ${rps.map((v) => Math.round(v)).join(', ')} |`,
      );
    }
    console.log(
      `isRevoked() per call (in-process, no HTTP): memory ${perCall.memory.toFixed(0)} ns, ` +
        `Redis store ${perCall.redis.toFixed(0)} ns (${((perCall.redis / 1000 / base.cpu) * 100).toFixed(2)} % of a request)`,
    );
    const rpsDelta = (median(results.redis.rps) / base.rps - 1) * 100;
    const cpuDelta = (median(results.redis.cpu) / base.cpu - 1) * 100;
    console.log(
      `Redis store vs no revocation: req/s ${rpsDelta.toFixed(1)} %, CPU per request ${cpuDelta > 0 ? '+' : ''}${cpuDelta.toFixed(1)} % ` +
        `(target: within 5 %; req/s is only meaningful on an otherwise idle machine)`,
    );
  } finally {
    child.send('stop');
    await new Promise((resolve) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        resolve();
      }, 5000);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
    });
    redis.child.kill('SIGKILL');
  }
}

if (process.argv[2] === '--serve') await serve(process.argv[3]);
else await main();
