#!/usr/bin/env node
// The first request of a cold instance (a Workers isolate, a Lambda cold start): a fresh verifier
// that finds its keys by OIDC discovery verifies one ES256 token, without a key cache (discovery
// and JWKS fetched: two round trips to the identity provider) and with a warm shared one
// (`keyCache`: in memory, and in Redis when redis-server is installed). Issue 23 item 4.
//
//   pnpm build && node bench/cold-isolate.mjs [--runs 200] [--rtt 0,30] [--no-redis]
//
// The identity provider is the core's test issuer on 127.0.0.1; `--rtt` adds a simulated network
// round trip (ms) before each of its answers, as a real provider far from the instance would.
// Redis is local (its round trip is ~0.1 ms here; a managed Redis in the same region adds ~1 ms
// per read). Variants run interleaved, so a busy machine skews them alike; wall time is reported
// (median and p90) with CPU time per first request, which a busy machine distorts less.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : process.argv[i + 1];
}
const runs = Number(arg('runs', 200));
const rtts = String(arg('rtt', '0,30')).split(',').map(Number);
const withRedis = !process.argv.includes('--no-redis') && existsSync('/usr/bin/redis-server');
const pkg = (name, file = 'index.js') =>
  import(pathToFileURL(new URL(`../packages/${name}/dist/${file}`, import.meta.url).pathname).href);
const { createVerifier, createMemoryKeyCache } = await pkg('core');
const { createTestIssuer } = await pkg('core', 'testing/index.js');

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const freePort = () =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });

let redisProcess;
let redisCache;
if (withRedis) {
  const port = await freePort();
  redisProcess = spawn(
    '/usr/bin/redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    {
      stdio: 'ignore',
    },
  );
  const { createRedisKeyCache } = await pkg('redis');
  redisCache = createRedisKeyCache({ url: `redis://127.0.0.1:${port}`, prefix: `bench-${process.pid}:` });
  await redisCache.ready();
}
const stop = () => redisProcess?.kill('SIGKILL');
process.on('exit', stop);

const idp = await createTestIssuer({ alg: 'ES256', audience: 'api' });
const server = await idp.listen();
const token = await idp.sign({ sub: 'alice' });

function quantile(sorted, q) {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

async function measure(rtt) {
  const memory = createMemoryKeyCache();
  const variants = { 'no key cache': undefined, 'warm memory key cache': memory };
  if (redisCache) variants['warm Redis key cache'] = redisCache;
  // one instance fills the shared caches first
  for (const keyCache of Object.values(variants)) {
    if (keyCache)
      await createVerifier({
        issuer: server.issuer,
        audience: 'api',
        keyCache,
        fetch: (i, o) => fetch(i, o),
      }).verify(token);
  }
  const wall = Object.fromEntries(Object.keys(variants).map((name) => [name, []]));
  const cpu = Object.fromEntries(Object.keys(variants).map((name) => [name, 0]));
  const fetches = Object.fromEntries(Object.keys(variants).map((name) => [name, 0]));
  for (let run = 0; run < runs; run++) {
    for (const [name, keyCache] of Object.entries(variants)) {
      // a fetch of its own: the verifier shares no key source with the earlier ones (a cold instance)
      const coldFetch = async (input, init) => {
        fetches[name]++;
        if (rtt > 0) await sleep(rtt);
        return fetch(input, init);
      };
      const verifier = createVerifier({
        issuer: server.issuer,
        audience: 'api',
        keyCache,
        fetch: coldFetch,
        cache: false,
      });
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      await verifier.verify(token);
      wall[name].push(performance.now() - t0);
      const used = process.cpuUsage(cpu0);
      cpu[name] += used.user + used.system;
    }
  }
  const rows = [];
  for (const name of Object.keys(variants)) {
    const sorted = wall[name].sort((a, b) => a - b);
    rows.push({
      variant: name,
      'median ms': quantile(sorted, 0.5).toFixed(2),
      'p90 ms': quantile(sorted, 0.9).toFixed(2),
      'CPU µs': Math.round(cpu[name] / runs),
      'fetches/request': (fetches[name] / runs).toFixed(2),
    });
  }
  return rows;
}

console.log(
  `cold-instance first request: ES256, issuer discovery, ${runs} cold verifiers per variant; Node ${process.version}, ` +
    `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, load average ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
);
try {
  for (const rtt of rtts) {
    console.log(`\nidentity provider round trip: ${rtt === 0 ? 'loopback only' : `+${rtt} ms simulated`}`);
    console.table(await measure(rtt));
  }
} finally {
  await redisCache?.close();
  await server.close();
  stop();
}
