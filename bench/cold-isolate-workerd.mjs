#!/usr/bin/env node
// The first request of a cold isolate on workerd (Cloudflare's runtime, through Miniflare):
// isolates that have never verified a token answer their first request, without a key cache
// (OIDC discovery and JWKS fetched from a provider on 127.0.0.1) and with a warm Cache API
// (`keyCache: workersKeyCache(caches.default)`, filled by one isolate beforehand). Each isolate
// serves exactly one measured request. Issue 23 item 4; the Node figures are bench/cold-isolate.mjs.
//
//   pnpm build && node bench/cold-isolate-workerd.mjs [--isolates 12] [--rtt 0]
//
// Uses the worker of examples/runtimes/src/key-cache-worker.ts and the Miniflare and esbuild
// installed for examples/runtimes. Wall time from this process includes Miniflare's dispatch
// (the same for both variants); the isolates' start-up is not included (workerd starts them all
// before the first request).
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : process.argv[i + 1];
}
const isolates = Number(arg('isolates', 12));
const rtt = Number(arg('rtt', 0));
const runtimes = fileURLToPath(new URL('../examples/runtimes/', import.meta.url));
const require = createRequire(join(runtimes, 'package.json'));
const { Miniflare } = require('miniflare');
const { build } = require('esbuild');
const { createTestIssuer } = await import(
  pathToFileURL(fileURLToPath(new URL('../packages/core/dist/testing/index.js', import.meta.url))).href
);

const idp = await createTestIssuer({ alg: 'ES256', audience: 'api' });
const server = await idp.listen();
if (rtt > 0) server.faults.set('slow', { delayMs: rtt });
const token = await idp.sign({ sub: 'alice' });
const dir = mkdtempSync(join(os.tmpdir(), 'tokengate-cold-isolate-'));
const script = join(dir, 'worker.js');
await build({
  entryPoints: [join(runtimes, 'src/key-cache-worker.ts')],
  outfile: script,
  bundle: true,
  format: 'esm',
  target: 'es2022',
  platform: 'neutral',
  mainFields: ['module', 'main'],
  conditions: ['workerd', 'worker', 'browser'],
  logLevel: 'silent',
  define: {
    KEY_CACHE_WORKER_CONFIG: JSON.stringify({
      issuer: server.issuer,
      namedIssuer: server.issuer,
      audience: 'api',
    }),
  },
});
const names = ['warmer', ...Array.from({ length: isolates }, (_, i) => [`none${i}`, `warm${i}`]).flat()];
const mf = new Miniflare({
  workers: names.map((name) => ({
    name,
    modules: true,
    modulesRoot: dir,
    scriptPath: script,
    compatibilityDate: '2026-04-01',
  })),
  cachePersist: join(dir, 'cache'),
  host: '127.0.0.1',
  port: 0,
});

async function first(name, path) {
  const worker = await mf.getWorker(name);
  const t0 = performance.now();
  const response = await worker.fetch(`http://worker${path}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  const body = await response.json();
  const ms = performance.now() - t0;
  if (response.status !== 200) throw new Error(`${name}: ${response.status}`);
  return { ms, events: body.events.length };
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
try {
  await mf.ready;
  await first('warmer', '/default/whoami'); // fills the Cache API
  const results = { 'no key cache': [], 'warm Cache API key cache': [] };
  const before = server.stats.discovery + server.stats.jwks;
  let fetchesWithout = 0;
  for (let i = 0; i < isolates; i++) {
    const none = await first(`none${i}`, '/none/whoami');
    results['no key cache'].push(none.ms);
    fetchesWithout += none.events;
    const mark = server.stats.discovery + server.stats.jwks;
    results['warm Cache API key cache'].push((await first(`warm${i}`, '/default/whoami')).ms);
    if (server.stats.discovery + server.stats.jwks !== mark) throw new Error('a warm isolate fetched keys');
  }
  console.log(
    `cold-isolate first request on workerd (Miniflare), ES256, issuer discovery, ${isolates} isolates per variant, provider ${rtt ? `+${rtt} ms` : 'on loopback'}; ` +
      `Node ${process.version}, ${os.cpus().length} CPUs, load average ${os
        .loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')}`,
  );
  console.table(
    Object.entries(results).map(([variant, ms]) => ({
      variant,
      'median ms': median(ms).toFixed(1),
      'min ms': Math.min(...ms).toFixed(1),
      'max ms': Math.max(...ms).toFixed(1),
    })),
  );
  console.log(
    `provider requests: ${server.stats.discovery + server.stats.jwks - before} for ${isolates} cold isolates without a key cache (${fetchesWithout} fetch events), 0 with the warm cache`,
  );
} finally {
  await mf.dispose();
  await server.close();
  rmSync(dir, { recursive: true, force: true });
}
