// The cache must not cost more than it saves (issue 11): verifies/s of tokengate's `createVerifier`
// with the default cache and with `cache: false`, on loads where every lookup misses, and the cost
// of a hit (rates per second of the process's CPU time). Each figure is a ratio to the node:crypto
// floor measured in the same round; the line
// that matters is "cache on / cache off" on the all-miss loads (target: ≥ 0.95).
//
//   node bench/cache.mjs [--quick|--full] [--algs HS256,RS256] [--core DIR] [--json FILE]
//
// Loads:
// - `cycle 2×`: 20,000 distinct tokens cycled through the default 10,000-entry cache: every
//   lookup misses and every verify inserts and evicts (the worst case for an LRU).
// - `cycle 1.1×`: 11,000 distinct tokens: just more than the cache holds (LRU's pathological case).
// - `once`: tokens never seen again (a fresh token per request; 200,000 distinct, cycled once).
// - `hit`: the same token every time; reported as ns per verify.
//
// `--core DIR` loads @tokengate/core from another build (e.g. a copy of main's packages/core/dist)
// to compare before and after.
import { writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import {
  exitWithParent,
  floorVerifier,
  hydrateKeys,
  loadTokengate,
  makeKeys,
  median,
  parseArgs,
  signer,
} from './lib/common.mjs';

const PROFILES = {
  quick: { cellMs: 120, warmMs: 60, rounds: 3 },
  default: { cellMs: 300, warmMs: 150, rounds: 9 },
  full: { cellMs: 600, warmMs: 300, rounds: 15 },
};

/**
 * Verifies/s over `ms` of wall time, counted against the process's CPU time (user + system, all
 * threads, GC included) rather than wall time: on a machine shared with other work, the figure
 * then reflects the work done, not the time the scheduler gave to others.
 */
async function loop(fn, tokens, cursor, ms) {
  const n = tokens.length;
  let i = cursor.i;
  let count = 0;
  const c0 = process.cpuUsage();
  const end = performance.now() + ms;
  do {
    for (let k = 0; k < 16; k++) {
      await fn(tokens[i]);
      i = i + 1 === n ? 0 : i + 1;
    }
    count += 16;
  } while (performance.now() < end);
  cursor.i = i;
  const cpu = process.cpuUsage(c0);
  return (count * 1e6) / (cpu.user + cpu.system);
}

export async function runCacheBench({
  profile = 'default',
  algs = ['HS256', 'RS256'],
  core,
  log = console.log,
} = {}) {
  const settings = PROFILES[profile];
  const mod = core
    ? await import(pathToFileURL(`${core.replace(/\/$/, '')}/index.js`).href)
    : (await loadTokengate('core')).mod;
  if (!mod?.createVerifier) throw new Error('@tokengate/core is not built (pnpm build)');
  const keys = hydrateKeys(makeKeys());
  const now = Math.floor(Date.now() / 1000);
  const gc = globalThis.gc ?? (() => {});
  const results = {};
  for (const alg of algs) {
    const sign = signer(alg, keys[alg]);
    const make = (n, tag) =>
      Array.from({ length: n }, (_, i) =>
        sign({ sub: `user-${i}`, jti: `${tag}${i}-${now}`, iat: now, exp: now + 3600 }),
      );
    const onceCount = alg === 'HS256' ? 200_000 : 40_000;
    const loads = {
      'cycle 2×': make(20_000, 'c'),
      'cycle 1.1×': make(11_000, 'd'),
      once: make(onceCount, 'o'),
      hit: make(1, 'h'),
    };
    const base = alg === 'HS256' ? { secret: keys[alg].secret } : { publicKey: keys[alg].publicPem };
    const floor = floorVerifier(alg, keys[alg]);
    const sides = {
      floor: async (t) => floor(t),
      'cache on': null,
      'cache off': null,
    };
    const rows = {};
    for (const [load, tokens] of Object.entries(loads)) {
      // Fresh verifiers per load, caches filled to capacity first (as in a server with many users).
      const on = mod.createVerifier(base);
      const off = mod.createVerifier({ ...base, cache: false });
      sides['cache on'] = (t) => on.verify(t);
      sides['cache off'] = (t) => off.verify(t);
      if (load !== 'hit' && load !== 'once') for (const t of tokens.slice(0, 10_500)) await on.verify(t);
      const cursors = Object.fromEntries(Object.keys(sides).map((s) => [s, { i: 0 }]));
      const rounds = Object.fromEntries(Object.keys(sides).map((s) => [s, []]));
      for (const s of Object.keys(sides)) await loop(sides[s], tokens, cursors[s], settings.warmMs);
      if (load === 'once') for (const c of Object.values(cursors)) c.i = 0;
      for (let r = 0; r < settings.rounds; r++) {
        const order = Object.keys(sides);
        if (r % 2) order.reverse();
        for (const s of order) {
          gc();
          rounds[s].push(await loop(sides[s], tokens, cursors[s], settings.cellMs));
        }
      }
      const ratio = (s) => median(rounds[s].map((x, i) => x / rounds.floor[i]));
      rows[load] = {
        floor: median(rounds.floor),
        on: ratio('cache on'),
        off: ratio('cache off'),
        onOverOff: median(rounds['cache on'].map((x, i) => x / rounds['cache off'][i])),
        hitNs: 1e9 / median(rounds['cache on']),
      };
      const row = rows[load];
      log(
        `  ${alg} ${load.padEnd(10)} floor ${Math.round(row.floor).toLocaleString('en-US').padStart(9)}/s` +
          `  cache on ${row.on.toFixed(2)}×  cache off ${row.off.toFixed(2)}×  on/off ${row.onOverOff.toFixed(3)}` +
          (load === 'hit' ? `  (${row.hitNs.toFixed(0)} ns per cached verify)` : ''),
      );
    }
    results[alg] = rows;
  }
  return { profile, settings, core: core ?? 'packages/core/dist', results };
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const args = parseArgs();
  exitWithParent();
  const algs = typeof args.algs === 'string' ? args.algs.split(',') : undefined;
  console.log(
    `cache: Node ${process.version}, profile ${args.profile}${args.core ? `, core from ${args.core}` : ''}`,
  );
  const report = await runCacheBench({
    profile: args.profile,
    algs,
    core: typeof args.core === 'string' ? args.core : undefined,
  });
  if (typeof args.json === 'string') writeFileSync(args.json, JSON.stringify(report, null, 2));
}
