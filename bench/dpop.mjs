// DPoP benchmark (RFC 9449): what one proof check costs, and what DPoP costs per HTTP request.
//
// 1. Micro: the proof check (core, memory replay store) against its floor, one node:crypto ES256
//    verify of the same proofs; both over the same pre-made proofs, in alternating rounds.
// 2. HTTP: Express, Koa and Hono servers (each in a child process) answering the same ES256
//    DPoP-bound token as Bearer (dpop off) and as DPoP (a fresh pre-made proof per request), with
//    the memory replay store and with the Redis one (a redis-server started on 127.0.0.1 when
//    installed). Load: 10 keep-alive connections from this process, in alternating rounds.
//
//   node bench/dpop.mjs [--quick] [--micro]   (--micro: the proof check only)
import { fork, spawn } from 'node:child_process';
import { createHash, createPublicKey, generateKeyPairSync, randomUUID, sign, verify } from 'node:crypto';
import { existsSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const quick = process.argv.includes('--quick');
const b64 = (v) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');
const ES256 = { dsaEncoding: 'ieee-p1363' };

function makeClient() {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const { kty, crv, x, y } = publicKey.export({ format: 'jwk' });
  const jwk = { kty, crv, x, y };
  const jkt = createHash('sha256').update(JSON.stringify({ crv, kty, x, y })).digest('base64url');
  return { privateKey, publicKey, jwk, jkt };
}
function jws(header, payload, privateKey) {
  const input = `${b64(header)}.${b64(payload)}`;
  return `${input}.${sign('sha256', Buffer.from(input), { key: privateKey, ...ES256 }).toString('base64url')}`;
}
function proofs(client, count, method, url, token) {
  const ath = createHash('sha256').update(token).digest('base64url');
  const header = { alg: 'ES256', typ: 'dpop+jwt', jwk: client.jwk };
  const iat = Math.floor(Date.now() / 1000);
  return Array.from({ length: count }, () =>
    jws(header, { jti: randomUUID(), htm: method, htu: url, iat, ath }, client.privateKey),
  );
}

// ---------------------------------------------------------------------------------------------
// Server child: node bench/dpop.mjs --serve <framework> <mode> <store> <publicPem> [redisUrl]
if (process.argv[2] === '--serve') {
  const [, , , framework, mode, store, publicPem, redisUrl] = process.argv;
  const options = { publicKey: publicPem, issuer: 'https://issuer.bench.test/', audience: 'api://bench' };
  if (mode === 'dpop') {
    const dpop = { publicUrl: 'https://api.bench.test' };
    if (store === 'redis') {
      const { createRedisReplayStore } = await import(`${ROOT}packages/redis/dist/index.js`);
      dpop.replay = createRedisReplayStore({ url: redisUrl, prefix: `bench${process.pid}:` });
      await dpop.replay.ready();
    }
    options.dpop = dpop;
  }
  const server = createServer(); // placeholder for the port search below
  server.close();
  let listener;
  if (framework === 'express') {
    const { default: express } = await import('express');
    const { jwtAuth } = await import(`${ROOT}packages/express/dist/index.js`);
    const app = express();
    app.use(jwtAuth(options));
    app.get('/orders', (req, res) => res.json({ sub: req.auth.subject }));
    listener = app;
  } else if (framework === 'koa') {
    const { default: Koa } = await import('koa');
    const { jwtAuth } = await import(`${ROOT}packages/koa/dist/index.js`);
    const app = new Koa();
    app.use(jwtAuth(options));
    app.use((ctx) => {
      ctx.body = { sub: ctx.state.auth.subject };
    });
    listener = app.callback();
  } else {
    const { Hono } = await import('hono');
    const { getRequestListener } = await import('@hono/node-server');
    const { jwtAuth } = await import(`${ROOT}packages/hono/dist/index.js`);
    const app = new Hono();
    app.get('/orders', jwtAuth(options), (c) => c.json({ sub: c.var.auth.subject }));
    listener = getRequestListener(app.fetch);
  }
  const { createServer: http } = await import('node:http');
  const srv = http(listener);
  srv.listen(0, '127.0.0.1', () => process.send({ port: srv.address().port }));
  process.on('disconnect', () => process.exit(0));
} else {
  await main();
}

async function load(port, headersFor, durationMs) {
  const agent = new Agent({ keepAlive: true, maxSockets: 10 });
  let done = 0;
  let failed = 0;
  let sent = 0;
  const until = performance.now() + durationMs;
  const one = () =>
    new Promise((resolve) => {
      const req = request(
        { host: '127.0.0.1', port, path: '/orders', agent, headers: headersFor(sent++) },
        (res) => {
          res.resume();
          res.on('end', () => {
            if (res.statusCode === 200) done++;
            else failed++;
            resolve();
          });
        },
      );
      req.on('error', () => {
        failed++;
        resolve();
      });
      req.end();
    });
  const start = performance.now();
  await Promise.all(
    Array.from({ length: 10 }, async () => {
      while (performance.now() < until) await one();
    }),
  );
  agent.destroy();
  return { rate: (done / (performance.now() - start)) * 1000, failed };
}

async function startRedis() {
  const bin = ['/usr/bin/redis-server', '/usr/local/bin/redis-server'].find(existsSync);
  if (!bin) return undefined;
  const port = await new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = s.address().port;
      s.close(() => resolve(p));
    });
  });
  const child = spawn(
    bin,
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  await new Promise((r) => setTimeout(r, 300));
  return { url: `redis://127.0.0.1:${port}`, stop: () => child.kill('SIGKILL') };
}

async function main() {
  const { createProofChecker } = await import(`${ROOT}packages/core/dist/oauth/dpop/proof.js`);
  const { resolveDpop } = await import(`${ROOT}packages/core/dist/oauth/dpop/options.js`);
  const { selectBackend } = await import(`${ROOT}packages/core/dist/crypto/index.js`);
  const client = makeClient();
  const token = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJiZW5jaCJ9.c2lnbmF0dXJl';

  // 1. Micro.
  const n = quick ? 2000 : 10000;
  const rounds = quick ? 3 : 7;
  const url = 'https://api.bench.test/orders';
  const floorTimes = [];
  const decodingTimes = [];
  const checkTimes = [];
  for (let round = 0; round < rounds; round++) {
    const batch = proofs(client, n, 'GET', url, token);
    const parsed = batch.map((p) => {
      const [h, pl, s] = p.split('.');
      return { input: Buffer.from(`${h}.${pl}`), sig: Buffer.from(s, 'base64url') };
    });
    const key = createPublicKey({ key: client.jwk, format: 'jwk' });
    let t = performance.now();
    for (const { input, sig } of parsed)
      if (!verify('sha256', input, { key, ...ES256 }, sig)) throw new Error('floor');
    floorTimes.push(((performance.now() - t) * 1000) / n);
    // The floor of bench/micro.mjs: the same verify, with the split and decoding it needs.
    t = performance.now();
    for (const proof of batch) {
      const last = proof.lastIndexOf('.');
      const input = Buffer.from(proof.slice(0, last), 'latin1');
      if (!verify('sha256', input, { key, ...ES256 }, Buffer.from(proof.slice(last + 1), 'base64url')))
        throw new Error('floor');
      JSON.parse(Buffer.from(proof.slice(proof.indexOf('.') + 1, last), 'base64url').toString());
    }
    decodingTimes.push(((performance.now() - t) * 1000) / n);
    const checker = createProofChecker(
      resolveDpop({ publicUrl: 'https://api.bench.test' }),
      selectBackend('node'),
    );
    const request = (proof) => ({
      method: 'GET',
      url: '/orders',
      header: (name) => (name === 'dpop' ? proof : undefined),
      raw: {},
    });
    await checker.check(request(proofs(client, 1, 'GET', url, token)[0]), token, client.jkt); // key import
    t = performance.now();
    for (const proof of batch) await checker.check(request(proof), token, client.jkt);
    checkTimes.push(((performance.now() - t) * 1000) / n);
  }
  const med = (v) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
  console.log(
    `proof check (memory replay store): ${med(checkTimes).toFixed(1)} µs/op; node:crypto ES256 verify floor: ${med(floorTimes).toFixed(1)} µs/op; ratio ${(med(checkTimes) / med(floorTimes)).toFixed(2)} (median of ${rounds} rounds of ${n})`,
  );
  console.log(
    `  against bench/micro.mjs's floor (the verify with splitting and base64url decoding, payload parsed): ${med(decodingTimes).toFixed(1)} µs/op; ratio ${(med(checkTimes) / med(decodingTimes)).toFixed(2)}`,
  );

  if (process.argv.includes('--micro')) return;

  // 2. HTTP.
  const { privateKey: issuerKey, publicKey: issuerPub } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const now = Math.floor(Date.now() / 1000);
  const accessToken = jws(
    { alg: 'ES256', typ: 'at+jwt' },
    {
      sub: 'bench',
      iss: 'https://issuer.bench.test/',
      aud: 'api://bench',
      iat: now,
      exp: now + 3600,
      cnf: { jkt: client.jkt },
    },
    issuerKey,
  );
  const unbound = jws(
    { alg: 'ES256', typ: 'at+jwt' },
    { sub: 'bench', iss: 'https://issuer.bench.test/', aud: 'api://bench', iat: now, exp: now + 3600 },
    issuerKey,
  );
  const publicPem = issuerPub.export({ type: 'spki', format: 'pem' });
  const redis = await startRedis();
  const cellMs = quick ? 1000 : 3000;
  const httpRounds = quick ? 1 : 3;
  try {
    for (const framework of ['express', 'koa', 'hono']) {
      const configs = [['bearer', 'memory'], ['dpop', 'memory'], ...(redis ? [['dpop', 'redis']] : [])];
      const servers = await Promise.all(
        configs.map(
          ([mode, store]) =>
            new Promise((resolve, reject) => {
              const child = fork(
                fileURLToPath(import.meta.url),
                ['--serve', framework, mode, store, publicPem, redis?.url ?? ''],
                { stdio: 'inherit' },
              );
              child.once('message', ({ port }) => resolve({ child, port, mode, store }));
              child.once('error', reject);
            }),
        ),
      );
      const rates = new Map(servers.map((s) => [s, []]));
      for (let round = 0; round < httpRounds; round++) {
        for (const server of servers) {
          const pool =
            server.mode === 'dpop'
              ? proofs(client, quick ? 8000 : 40000, 'GET', 'https://api.bench.test/orders', accessToken)
              : undefined;
          const headersFor = pool
            ? (i) => ({ authorization: `DPoP ${accessToken}`, dpop: pool[i % pool.length] })
            : () => ({ authorization: `Bearer ${unbound}` });
          const { rate, failed } = await load(server.port, headersFor, cellMs);
          if (failed > 0 && pool && failed > 0.01 * rate)
            console.warn(
              `  (${framework} ${server.mode}/${server.store}: ${failed} refused — proof pool too small?)`,
            );
          rates.get(server).push(rate);
        }
      }
      const bearer = med(rates.get(servers[0]));
      const line = servers.map(
        (s) =>
          `${s.mode}${s.mode === 'dpop' ? `/${s.store}` : ''} ${med(rates.get(s)).toFixed(0)} req/s (${(med(rates.get(s)) / bearer).toFixed(2)}×)`,
      );
      console.log(`${framework.padEnd(8)} ${line.join(', ')}`);
      for (const s of servers) s.child.kill();
    }
  } finally {
    redis?.stop();
  }
}
