#!/usr/bin/env node
// Soak test of @tokengate/redis, run by hand (minutes; not part of CI):
//
//   pnpm build && node bench/soak.mjs [--minutes 3] [--period 60] [--concurrency 16] [--revoke-every 5]
//
// Two app instances (child processes: Express + jwtAuth with a JWKS URL + the Redis revocation
// store) under constant mixed traffic — valid, revoked and garbage tokens — while this process
// revokes a token every `--revoke-every` ms through the instances' /logout, SIGKILLs Redis and
// restarts it empty (no persistence) every `--period` seconds, and rotates the issuer's signing
// key (JWKS) every `--period` seconds, half a period out of phase with the kills.
//
// Reports: revoked tokens accepted after their revocation was acknowledged (target 0; split into
// the revoking instance and the other one, with the time since the acknowledgement), 5xx other
// than the documented 503 (target 0), the longest 503 window per instance, and each instance's
// RSS and revocation-list size over time. Exits 1 when a target is missed. Every child process
// is killed by PID at the end, on failure and on Ctrl-C. Needs `redis-server`.
import { fork, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { performance } from 'node:perf_hooks';

const root = new URL('../', import.meta.url);
const dist = (path) => new URL(path, root).href;

function option(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  const value = i === -1 ? fallback : Number(process.argv[i + 1]);
  if (!Number.isFinite(value) || value <= 0) throw new TypeError(`--${name} must be a positive number`);
  return value;
}

// ---------------------------------------------------------------- instance (child process)
async function instance() {
  const { default: express } = await import('express');
  const { jwtAuth, authErrorHandler } = await import(dist('packages/express/dist/index.js'));
  const { createRedisRevocationStore } = await import(dist('packages/redis/dist/index.js'));
  const { REDIS_URL, JWKS_URI, ISSUER, PREFIX } = process.env;
  const store = createRedisRevocationStore({ url: REDIS_URL, prefix: PREFIX, onError: () => {} });
  await store.ready();
  const app = express();
  app.use(jwtAuth({ jwksUri: JWKS_URI, issuer: ISSUER, revocation: store }));
  app.get('/orders', (_req, res) => {
    res.json({ ok: true });
  });
  app.post('/logout', async (req, res, next) => {
    try {
      await store.revoke(req.auth.claims.jti, req.auth.claims.exp);
      res.sendStatus(204);
    } catch (error) {
      next(error);
    }
  });
  app.use(authErrorHandler());
  const server = app.listen(0, '127.0.0.1', () => {
    process.send({ type: 'listening', port: server.address().port });
  });
  setInterval(() => {
    process.send({
      type: 'stats',
      rss: process.memoryUsage().rss,
      state: store.state,
      size: store.size,
    });
  }, 1000).unref();
  process.on('disconnect', () => process.exit(0));
}

// ---------------------------------------------------------------- driver
const children = new Set();
function killAll() {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}
process.on('exit', killAll);
process.on('SIGINT', () => {
  killAll();
  process.exit(130);
});

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

const REDIS_SERVER = existsSync('/usr/bin/redis-server') ? '/usr/bin/redis-server' : 'redis-server';

/** Starts redis-server without persistence on `port`; resolves with the child once it accepts connections. */
function startRedis(port) {
  const child = spawn(
    REDIS_SERVER,
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: ['ignore', 'pipe', 'ignore'] },
  );
  children.add(child);
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error('redis-server did not start in 10 s')), 10_000);
    child.stdout.on('data', (chunk) => {
      output += chunk;
      if (output.includes('Ready to accept connections')) {
        clearTimeout(timer);
        child.stdout.resume();
        resolve(child);
      }
    });
    child.once('exit', (code) => reject(new Error(`redis-server exited with ${code}`)));
  });
}

async function killRedis(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
  children.delete(child);
}

function startInstance(name, env) {
  const child = fork(new URL(import.meta.url), ['--instance'], { env: { ...process.env, ...env } });
  children.add(child);
  const stats = { name, samples: [], state: 'connecting', size: 0 };
  child.on('message', (message) => {
    if (message.type === 'stats') {
      stats.state = message.state;
      stats.size = message.size;
      stats.samples.push({
        t: performance.now(),
        rss: message.rss,
        size: message.size,
        state: message.state,
      });
    }
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start in 20 s`)), 20_000);
    child.on('message', (message) => {
      if (message.type === 'listening') {
        clearTimeout(timer);
        resolve({ name, child, stats, url: `http://127.0.0.1:${message.port}` });
      }
    });
    child.once('exit', (code) => reject(new Error(`${name} exited with ${code}`)));
  });
}

const pick = (list) => list[Math.floor(Math.random() * list.length)];
const mib = (bytes) => (bytes / 2 ** 20).toFixed(1);

async function drive() {
  const minutes = option('minutes', 3);
  const period = option('period', 60) * 1000;
  const concurrency = option('concurrency', 16);
  const revokeEvery = option('revoke-every', 5);
  const duration = minutes * 60_000;

  const { createTestIssuer } = await import(dist('packages/core/dist/testing/index.js'));
  const idp = await createTestIssuer({ alg: 'ES256' });
  const issuerServer = await idp.listen();
  const redisPort = await freePort();
  let redis = await startRedis(redisPort);
  const env = {
    REDIS_URL: `redis://127.0.0.1:${redisPort}`,
    JWKS_URI: issuerServer.jwksUri,
    ISSUER: issuerServer.issuer,
    PREFIX: `soak${process.pid}:`,
  };
  const instances = await Promise.all([startInstance('A', env), startInstance('B', env)]);
  console.log(
    `soak: ${minutes} min, Redis killed and restarted empty every ${period / 1000} s, JWKS rotated every ` +
      `${period / 1000} s, a revocation every ${revokeEvery} ms, ${concurrency} requests in flight`,
  );

  let valid = [];
  const mintValid = async () => {
    const fresh = [];
    for (let i = 0; i < 200; i++) fresh.push(await idp.sign({ sub: `user-${i}` }, { expiresIn: '1h' }));
    valid = fresh;
  };
  await mintValid();
  const garbage = [
    'not-a-jwt',
    'a.b.c',
    `${valid[0].slice(0, -4)}AAAA`, // bad signature
    (await idp.sign({ sub: 'x' }, { expiresIn: '1h' })).replace(/\.[^.]*$/, '.'),
    await idp.sign({ sub: 'x' }, { defect: 'expired' }),
  ];
  /** Revocations acknowledged (204): token, when, by which instance. */
  const revoked = [];

  const counts = { requests: 0, byStatus: {}, revocations: 0, revocationsRefused: {} };
  const violations = [];
  const unexpected5xx = [];
  const validRefused = { 401: 0, other: 0 };
  /** Per instance: start of the current 503 streak, longest streak. */
  const outage = new Map(instances.map((i) => [i.name, { since: undefined, longest: 0 }]));
  const events = [];
  const started = performance.now();
  const elapsed = () => performance.now() - started;
  let running = true;

  async function send(target, token, path = '/orders', method = 'GET') {
    const sentAt = performance.now();
    try {
      const response = await fetch(target.url + path, {
        method,
        headers: { authorization: `Bearer ${token}` },
        signal: AbortSignal.timeout(10_000),
      });
      await response.arrayBuffer();
      return { status: response.status, sentAt, receivedAt: performance.now() };
    } catch (error) {
      return { status: 0, error, sentAt, receivedAt: performance.now() };
    }
  }

  function record(target, status, at) {
    counts.requests++;
    counts.byStatus[status] = (counts.byStatus[status] ?? 0) + 1;
    const o = outage.get(target.name);
    if (status === 503) o.since ??= at;
    else if (o.since !== undefined) {
      o.longest = Math.max(o.longest, at - o.since);
      o.since = undefined;
    }
    if (status >= 500 && status !== 503) unexpected5xx.push({ instance: target.name, status, at: elapsed() });
    if (status === 0) unexpected5xx.push({ instance: target.name, status: 'network error', at: elapsed() });
  }

  async function traffic() {
    while (running) {
      const target = pick(instances);
      const roll = Math.random();
      if (roll < 0.4 || revoked.length === 0) {
        const { status, receivedAt } = await send(target, pick(valid));
        record(target, status, receivedAt);
        if (status === 401) validRefused[401]++;
        else if (status !== 200 && status !== 503) validRefused.other++;
      } else if (roll < 0.8) {
        const entry =
          revoked[revoked.length - 1 - Math.floor(Math.random() * Math.min(revoked.length, 2000))];
        const { status, sentAt, receivedAt } = await send(target, entry.token);
        record(target, status, receivedAt);
        if (status === 200 && sentAt > entry.ackAt) {
          violations.push({
            instance: target.name,
            revokedOn: entry.on,
            msAfterAck: +(sentAt - entry.ackAt).toFixed(2),
            at: +(elapsed() / 1000).toFixed(1),
          });
        }
      } else {
        const { status, receivedAt } = await send(target, pick(garbage));
        record(target, status, receivedAt);
      }
    }
  }

  async function revocations() {
    while (running) {
      const next = performance.now() + revokeEvery;
      const target = pick(instances);
      const token = await idp.sign({ sub: `revoked-${counts.revocations}` }, { expiresIn: '1h' });
      const { status, receivedAt } = await send(target, token, '/logout', 'POST');
      if (status === 204) {
        counts.revocations++;
        revoked.push({ token, ackAt: receivedAt, on: target.name });
      } else {
        counts.revocationsRefused[status] = (counts.revocationsRefused[status] ?? 0) + 1;
        if (status >= 500 && status !== 503)
          unexpected5xx.push({ instance: target.name, status, at: elapsed() });
      }
      const wait = next - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }

  const timers = [];
  const every = (ms, offset, fn) => {
    timers.push(
      setTimeout(() => {
        void fn();
        timers.push(setInterval(fn, ms));
      }, offset),
    );
  };
  every(period, period, async () => {
    const t = elapsed();
    await killRedis(redis);
    redis = await startRedis(redisPort);
    events.push(
      `${(t / 1000).toFixed(1)} s: Redis SIGKILLed, restarted empty in ${(elapsed() - t).toFixed(0)} ms`,
    );
  });
  every(period, period / 2, async () => {
    const { kid } = await idp.rotate({ keep: true });
    await mintValid();
    events.push(`${(elapsed() / 1000).toFixed(1)} s: JWKS rotated to ${kid}`);
  });
  const progress = setInterval(() => {
    const line = instances.map(
      (i) =>
        `${i.name} ${i.stats.state} ${i.stats.size} revoked, RSS ${mib(i.stats.samples.at(-1)?.rss ?? 0)} MiB`,
    );
    console.log(
      `  ${(elapsed() / 1000).toFixed(0)} s: ${counts.requests} requests, ${counts.revocations} revocations; ${line.join('; ')}`,
    );
  }, 10_000);

  const loops = [...Array.from({ length: concurrency }, traffic), revocations()];
  await new Promise((resolve) => setTimeout(resolve, duration));
  running = false;
  for (const t of timers) clearInterval(t);
  clearInterval(progress);
  await Promise.all(loops);
  for (const [, o] of outage)
    if (o.since !== undefined) o.longest = Math.max(o.longest, performance.now() - o.since);

  // ---- report
  console.log('\nevents:');
  for (const e of events) console.log(`  ${e}`);
  console.log(
    `\nrequests: ${counts.requests} (${(counts.requests / (duration / 1000)).toFixed(0)}/s), by status ${JSON.stringify(counts.byStatus)}`,
  );
  console.log(
    `revocations acknowledged: ${counts.revocations}; not acknowledged, by status: ${JSON.stringify(counts.revocationsRefused)}`,
  );
  const sameInstance = violations.filter((v) => v.instance === v.revokedOn);
  console.log(
    `revoked tokens accepted after the acknowledgement: ${violations.length} ` +
      `(on the revoking instance: ${sameInstance.length}; on the other: ${violations.length - sameInstance.length}` +
      `${violations.length ? `, at most ${Math.max(...violations.map((v) => v.msAfterAck))} ms after the ack` : ''}) — target 0`,
  );
  for (const v of violations.slice(0, 10)) console.log(`  ${JSON.stringify(v)}`);
  console.log(`5xx other than 503 (and network errors): ${unexpected5xx.length} — target 0`);
  for (const v of unexpected5xx.slice(0, 10)) console.log(`  ${JSON.stringify(v)}`);
  console.log(
    `valid tokens refused: 401 ${validRefused[401]} (a new signing key before the JWKS refetch), other ${validRefused.other}`,
  );
  for (const [name, o] of outage) console.log(`longest 503 window on ${name}: ${o.longest.toFixed(0)} ms`);
  console.log('\nRSS (MiB) and revocation-list size, every 30 s:');
  for (const i of instances) {
    const rows = [];
    for (let t = 0; t <= duration; t += 30_000) {
      const sample = i.stats.samples.find((s) => s.t - started >= t) ?? i.stats.samples.at(-1);
      if (sample) rows.push(`${t / 1000}s ${mib(sample.rss)} (${sample.size})`);
    }
    console.log(`  ${i.name}: ${rows.join(', ')}`);
  }

  await issuerServer.close();
  killAll();
  const failed = violations.length > 0 || unexpected5xx.length > 0;
  process.exit(failed ? 1 : 0);
}

if (process.argv.includes('--instance')) {
  await instance();
} else {
  await drive().catch((error) => {
    console.error(error);
    killAll();
    process.exit(2);
  });
}
