// Runs the micro and HTTP benchmarks (and the memory one with --memory), each in its own child
// process, prints their tables and writes docs/benchmarks.md. Results are reported, never asserted.
//
//   node bench/run.mjs [--quick|--full] [--memory] [--tokens N] [--connections N]
//                      [--no-doc | --doc (with --quick) | --doc-only]
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { httpTables } from './http.mjs';
import { fmtRate, fmtRatio, parseArgs, RESULTS_DIR, ROOT } from './lib/common.mjs';
import { memoryTable } from './memory.mjs';
import { microTables } from './micro.mjs';

const args = parseArgs();
const profile = args.profile;
const here = path.dirname(fileURLToPath(import.meta.url));
mkdirSync(RESULTS_DIR, { recursive: true });

// Whole-run ceilings: nothing may hang. (--quick is designed to finish well under 90 s.)
const CEILING_S = { quick: 150, default: 15 * 60, full: 45 * 60 }[profile];
const children = new Set();
const killAll = () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
};
process.on('exit', killAll);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    killAll();
    process.exit(130);
  });
}
setTimeout(() => {
  console.error(`bench: still running after ${CEILING_S} s — stopping everything.`);
  killAll();
  process.exit(1);
}, CEILING_S * 1000).unref();

function runScript(file, extra) {
  const out = saved(path.basename(file, '.mjs'));
  const argv = ['--expose-gc', path.join(here, file), ...extra, '--json', out];
  return new Promise((resolve, reject) => {
    // An IPC channel lets the child notice when this process dies, even by SIGKILL.
    const child = spawn(process.execPath, argv, { stdio: ['inherit', 'inherit', 'inherit', 'ipc'] });
    children.add(child);
    child.on('exit', (code, signal) => {
      children.delete(child);
      if (code === 0) resolve(JSON.parse(readFileSync(out, 'utf8')));
      else reject(new Error(`${file} failed (${signal ?? `exit ${code}`})`));
    });
  });
}

// A --quick run is a smoke run: its raw results go to *.quick.json (not committed) and it leaves
// docs/benchmarks.md alone unless --doc is given. --doc-only re-renders the doc from saved results.
const suffix = profile === 'quick' ? '.quick' : '';
const saved = (name) => path.join(RESULTS_DIR, `${name}${suffix}.json`);
const readSaved = (name) =>
  existsSync(saved(name)) ? JSON.parse(readFileSync(saved(name), 'utf8')) : undefined;

let micro;
let http;
let memory;
let memoryFresh = false;
if (args['doc-only']) {
  micro = readSaved('micro');
  http = readSaved('http');
  memory = readSaved('memory');
  if (!micro || !http) {
    console.error('bench: no saved results to render; run the benchmark first.');
    process.exit(1);
  }
  memoryFresh = memory !== undefined && Date.parse(memory.machine.date) >= Date.parse(micro.machine.date);
} else {
  const t0 = performance.now();
  const profileFlag = profile === 'default' ? [] : [`--${profile}`];
  micro = await runScript('micro.mjs', profileFlag);
  console.log(`\n${microTables(micro)}`);
  const httpArgs = [...profileFlag, ...(args.connections ? ['--connections', String(args.connections)] : [])];
  http = await runScript('http.mjs', httpArgs);
  console.log(`\n${httpTables(http)}`);
  // Issue 23: resolved and templated issuers against listed ones, and a made-up-issuer flood
  // (the script prints its own tables; its figures are kept in results/issuers.json).
  await runScript('issuers.mjs', profile === 'quick' ? ['--quick', '--flood', '20000'] : []);
  if (args.memory) {
    memory = await runScript('memory.mjs', args.tokens ? ['--tokens', String(args.tokens)] : []);
    memoryFresh = true;
    console.log(`\n${memoryTable(memory)}`);
  } else {
    // The last memory run (of any profile) is shown with its date.
    const last = path.join(RESULTS_DIR, 'memory.json');
    memory = readSaved('memory') ?? (existsSync(last) ? JSON.parse(readFileSync(last, 'utf8')) : undefined);
  }
  console.log(`\nbench: done in ${Math.round((performance.now() - t0) / 1000)} s`);
}

const targets = evaluateTargets(micro, http, memory);
console.log('\nIssue 6 targets:');
for (const t of targets) console.log(`  [${t.status}] ${t.target}: ${t.detail}`);

if (args['doc-only'] || args.doc || (profile !== 'quick' && !args['no-doc'])) {
  const file = path.join(ROOT, 'docs', 'benchmarks.md');
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, renderDoc({ micro, http, memory, memoryFresh, targets }));
  console.log(`\nwrote ${path.relative(ROOT, file)}`);
}

/** Checks issue 6's targets against the measured medians: met, missed, or pending. */
function evaluateTargets(micro, http, memory) {
  const out = [];
  const m = (mode, id, alg) => micro.results[mode][id][alg];
  const has = (cell) => cell && cell.median !== undefined;
  const add = (target, status, detail) => out.push({ target, status, detail });

  const cachedRs = m('repeated', 'tokengate-cache', 'RS256');
  if (!has(cachedRs)) add('Cached ≥ 10× the RS256 floor', 'pending', 'tokengate rows pending');
  else {
    const r = cachedRs.ratio;
    add('Cached ≥ 10× the RS256 floor', r >= 10 ? 'met' : 'missed', `${fmtRatio(r)} (repeated token)`);
  }

  const vsFast = micro.algs.map((alg) => {
    const tg = m('repeated', 'tokengate-cache', alg);
    const fj = m('repeated', 'fastjwt-cache', alg);
    return has(tg) && has(fj) ? { alg, tg: tg.median, fj: fj.median } : null;
  });
  if (vsFast.some((x) => !x)) add("Cached ≥ fast-jwt's cached figure", 'pending', 'tokengate rows pending');
  else {
    const ok = vsFast.every((x) => x.tg >= x.fj);
    add(
      "Cached ≥ fast-jwt's cached figure",
      ok ? 'met' : 'missed',
      vsFast.map((x) => `${x.alg} ${fmtRate(x.tg)} vs ${fmtRate(x.fj)}`).join(', '),
    );
  }

  for (const [label, algs, bound] of [
    ['Uncached ≥ 0.9× the floor (RS256, ES256, EdDSA)', ['RS256', 'ES256', 'EdDSA'], 0.9],
    ['Uncached ≥ 0.7× the floor (HS256)', ['HS256'], 0.7],
  ]) {
    const cells = algs.map((alg) => ({ alg, cell: m('unique', 'tokengate-nocache', alg) }));
    if (cells.some((c) => !has(c.cell))) add(label, 'pending', 'tokengate rows pending');
    else {
      const ok = cells.every((c) => c.cell.ratio >= bound);
      add(label, ok ? 'met' : 'missed', cells.map((c) => `${c.alg} ${fmtRatio(c.cell.ratio)}`).join(', '));
    }
  }

  for (const fw of ['express', 'koa', 'hono']) {
    const tg = http.cells.filter(
      (c) => c.framework === fw && c.middleware === 'tokengate' && c.path === 'valid',
    );
    const label = `HTTP ${fw}: guarded ≥ 0.95× bare and ahead of every peer`;
    if (tg.length === 0 || tg.some((c) => c.rps === undefined)) {
      add(label, 'pending', tg[0]?.pending ?? tg[0]?.error ?? 'tokengate adapter pending');
      continue;
    }
    const problems = [];
    for (const c of tg) {
      if (c.ratio < 0.95) problems.push(`${c.alg} ${fmtRatio(c.ratio)} of bare`);
      for (const p of http.cells.filter(
        (x) =>
          x.framework === fw &&
          x.alg === c.alg &&
          x.path === 'valid' &&
          // Peers only: not the floors (bare, no-op, the HMAC check) nor tokengate's own variants.
          !['bare', 'no-op'].includes(x.middleware) &&
          !x.middleware.endsWith('(floor)') &&
          !x.middleware.startsWith('tokengate'),
      )) {
        if (p.rps !== undefined && p.rps >= c.rps) problems.push(`${c.alg} behind ${p.middleware}`);
      }
    }
    add(
      label,
      problems.length ? 'missed' : 'met',
      tg.map((c) => `${c.alg} ${fmtRatio(c.ratio)}`).join(', ') +
        (problems.length ? ` — ${problems.join('; ')}` : ''),
    );
  }

  // Issue 22: Fastify, against @fastify/jwt (fast-jwt) with and without its cache.
  const fastify = (middleware, alg, path = 'valid') =>
    http.cells.find(
      (c) => c.framework === 'fastify' && c.middleware === middleware && c.alg === alg && c.path === path,
    );
  const compare = (label, ours, theirs, algs, bound) => {
    const pairs = algs.map((alg) => ({ alg, tg: fastify(ours, alg), peer: fastify(theirs, alg) }));
    const missing = pairs.find((p) => p.tg?.rps === undefined || p.peer?.rps === undefined);
    if (missing) {
      add(
        label,
        'pending',
        missing.tg?.pending ?? missing.tg?.error ?? missing.peer?.error ?? 'not measured',
      );
      return;
    }
    const problems = pairs.flatMap(({ alg, tg, peer }) => [
      ...(bound !== undefined && tg.ratio < bound ? [`${alg} ${fmtRatio(tg.ratio)} of bare`] : []),
      ...(tg.rps <= peer.rps ? [`${alg} behind ${theirs}`] : []),
    ]);
    add(
      label,
      problems.length ? 'missed' : 'met',
      pairs
        .map(({ alg, tg, peer }) => `${alg} ${fmtRatio(tg.ratio)} (${theirs} ${fmtRatio(peer.ratio)})`)
        .join(', ') + (problems.length ? ` — ${problems.join('; ')}` : ''),
    );
  };
  compare(
    'HTTP fastify: valid cached ≥ 0.95× bare and ahead of @fastify/jwt with its cache',
    'tokengate',
    '@fastify/jwt (cache)',
    ['HS256', 'RS256', 'ES256'],
    0.95,
  );
  compare(
    'HTTP fastify: uncached RS256/ES256 ahead of @fastify/jwt uncached',
    'tokengate (cache: false)',
    '@fastify/jwt',
    ['RS256', 'ES256'],
  );

  // Issue 21: NestJS, a cached valid request through @tokengate/nestjs's global guard against the
  // same Nest route bare, beside @nestjs/passport + passport-jwt in the same run.
  {
    const nest = (middleware, alg) =>
      http.cells.find(
        (c) => c.framework === 'nestjs' && c.middleware === middleware && c.alg === alg && c.path === 'valid',
      );
    const label = 'HTTP nestjs: valid cached through the guard ≥ 0.9× bare, beside @nestjs/passport';
    const pairs = ['HS256', 'RS256'].map((alg) => ({
      alg,
      tg: nest('tokengate', alg),
      peer: nest('@nestjs/passport', alg),
    }));
    const missing = pairs.find((p) => p.tg?.rps === undefined || p.peer?.rps === undefined);
    if (missing)
      add(
        label,
        'pending',
        missing.tg?.pending ?? missing.tg?.error ?? missing.peer?.error ?? 'not measured',
      );
    else {
      const problems = pairs.flatMap(({ alg, tg }) =>
        tg.ratio < 0.9 ? [`${alg} ${fmtRatio(tg.ratio)} of bare`] : [],
      );
      add(
        label,
        problems.length ? 'missed' : 'met',
        pairs
          .map(
            ({ alg, tg, peer }) => `${alg} ${fmtRatio(tg.ratio)} (@nestjs/passport ${fmtRatio(peer.ratio)})`,
          )
          .join(', ') + (problems.length ? ` — ${problems.join('; ')}` : ''),
      );
    }
  }

  /** The HS256 cell of `middleware` on `fw`'s `path`. */
  const hs256 = (fw, middleware, path) =>
    http.cells.find(
      (c) => c.framework === fw && c.middleware === middleware && c.alg === 'HS256' && c.path === path,
    );
  /** A target row comparing tokengate's cell with a floor's, both as ratios to the bare route. */
  const againstFloor = (label, tg, floor, floorName, target) => {
    if (tg?.ratio === undefined || floor?.ratio === undefined) {
      add(label, 'pending', tg?.pending ?? tg?.error ?? floor?.error ?? 'not measured');
      return;
    }
    const ratio = tg.ratio / floor.ratio;
    const cpu =
      tg.cpuUs !== undefined && floor.cpuUs !== undefined
        ? `; server CPU ${tg.cpuUs.toFixed(1)} µs/req against ${floor.cpuUs.toFixed(1)}`
        : '';
    add(
      label,
      ratio >= target ? 'met' : 'missed',
      `${fmtRatio(tg.ratio)} of bare against ${floorName}'s ${fmtRatio(floor.ratio)} (${fmtRatio(ratio)})${cpu}`,
    );
  };

  // Issue 12: a flood of bad-signature tokens is a denial-of-service tool; refusing one must stay
  // cheap on every framework. Issue 26, item 13: beside its floor, a hand-written HMAC check that
  // answers the same 401 in place (the least any verifier must do to refuse a forged HS256 token).
  for (const fw of ['express', 'koa', 'hono', 'fastify']) {
    const bad = hs256(fw, 'tokengate', 'bad');
    const label = `HTTP ${fw}: bad-signature HS256 flood ≥ 0.6× bare`;
    if (!bad || bad.rps === undefined) add(label, 'pending', bad?.pending ?? bad?.error ?? 'not measured');
    else add(label, bad.ratio >= 0.6 ? 'met' : 'missed', fmtRatio(bad.ratio));
    againstFloor(
      `HTTP ${fw}: bad-signature HS256 flood ≥ 0.9× a hand-written HMAC check answering the same 401`,
      bad,
      hs256(fw, 'HMAC check (floor)', 'bad'),
      'the HMAC check',
      0.9,
    );
  }

  // Issue 26, item 13: a cached valid request costs what a middleware that does nothing costs
  // (within 5 %), by requests per second and by the server's CPU time per request.
  for (const fw of ['express', 'koa', 'hono', 'fastify']) {
    againstFloor(
      `HTTP ${fw}: cached valid HS256 within 5 % of a no-op middleware`,
      hs256(fw, 'tokengate', 'valid'),
      hs256(fw, 'no-op', 'valid'),
      'the no-op',
      0.95,
    );
  }

  const mem = memory?.results?.tokengate;
  if (!mem || mem.pending || !mem.samples) {
    add('RSS bounded by the cache size, flat after warm-up', 'pending', mem?.pending ?? 'memory run pending');
  } else {
    add(
      'RSS bounded by the cache size, flat after warm-up',
      mem.flat ? 'met' : 'missed',
      `RSS ${mem.finalRssMiB.toFixed(1)} MiB after ${memory.tokens.toLocaleString('en-US')} tokens, heap after GC ${signed(mem.heapGrowthMiB)} MiB after warm-up`,
    );
  }
  return out;
}

/** Hand-written analysis kept across runs: bench/notes.md, included as is when present. */
function notes() {
  const file = path.join(here, 'notes.md');
  return existsSync(file) ? `## Notes\n\n${readFileSync(file, 'utf8').trim()}\n\n` : '';
}

function signed(x) {
  return `${x >= 0 ? '+' : ''}${x.toFixed(1)}`;
}

function renderDoc({ micro, http, memory, memoryFresh, targets }) {
  const mc = micro.machine;
  const versions = { ...micro.versions, ...http.versions };
  const icon = { met: '✅ met', missed: '❌ missed', pending: '⏳ pending' };
  const hs = http.settings;
  const ms = micro.settings;
  return `# Benchmarks

Generated by \`pnpm bench\` (\`node bench/run.mjs${micro.profile === 'default' ? '' : ` --${micro.profile}`}${memoryFresh ? ' --memory' : ''}\`) on ${mc.date.slice(0, 10)}. Results are printed and
recorded here, never asserted in tests. Raw numbers: \`bench/results/*.json\`.

## Machine

| | |
|---|---|
| Node | ${mc.node} (V8 ${mc.v8}) |
| CPU | ${mc.cpu}, ${mc.cores} cores |
| Memory | ${mc.memoryGiB} GiB |
| OS | ${mc.platform} |
| Date | ${mc.date} |
| Load average at start (1, 5, 15 min) | micro ${mc.loadavg.join(', ')}; HTTP ${http.machine.loadavg.join(', ')}${memory?.machine?.loadavg ? `; memory ${memory.machine.loadavg.join(', ')}` : ''} |
| Versions | ${Object.entries(versions)
    .filter(([, v]) => v)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ')} |

**This machine has ${mc.cores} cores.** In the HTTP benchmark the load generator (autocannon, one
process) and the server (one process) compete for them, so the bare routes of the fastest
frameworks are partly bounded by the load generator: a plain \`node:http\` server measures about the
same as Koa's and Hono's bare routes here. Ratios to the bare route are therefore conservative for
fast middlewares (the bare figure is capped) and exact for slow ones. Absolute numbers are specific
to this machine; compare ratios. The machine may also be running other work (see the load average
above: anything near or over ${mc.cores} means the figures were taken on a busy machine and are noisier;
the medians of alternating rounds are there to soften that, not to remove it).

## Issue 6 targets

| target | status | measured |
|---|---|---|
${targets.map((t) => `| ${t.target} | ${icon[t.status]} | ${t.detail} |`).join('\n')}

## Micro: verifications per second

${microTables(micro)}
Each cell is the median of ${ms.rounds} round(s) of ${ms.cellMs} ms; in brackets, the median over the rounds of
its ratio to the node:crypto floor for the same algorithm and token mode measured in the same round.

## HTTP: requests per second and latency

${httpTables(http)}
Each figure is the median of ${hs.rounds} round(s) of ${hs.cellS} s with ${hs.connections} connections (after a warm-up of
${hs.warmS ? `${hs.warmS} s` : `${hs.warmRequests} requests`} per server); "× bare" is the median over the rounds of the ratio to the same framework's bare route
measured in the same round (the servers of one framework run back to back, the bare route first
and last, and its two figures are averaged).
Latency is autocannon's, at 1 ms resolution ("0" means under a millisecond).

## Memory

${memory ? `${memoryTable(memory)}${memoryFresh ? '' : `\n\n(From an earlier run on ${memory.machine.date.slice(0, 10)}: \`node bench/run.mjs --memory\` refreshes it.)`}` : 'Not run yet: `node bench/run.mjs --memory`.'}

${notes()}## Method

- **Tokens.** Made with node:crypto (HMAC; RSA-2048, P-256 and Ed25519 signatures), header
  \`{ alg, typ: "JWT", kid }\`. The micro payload is \`{ sub, jti, iat, exp }\`; the HTTP payload adds
  \`iss\`, \`aud\` and \`scope\`, and every middleware is configured to check issuer and audience. The
  bad-signature path sends the same token with two signature bytes flipped.
- **The floor** is node:crypto doing only the necessary work: split, base64url-decode the signature,
  the signature check (\`createHmac\` + \`timingSafeEqual\`, or \`crypto.verify\` on a \`KeyObject\`),
  \`JSON.parse\` of the payload and the \`exp\` check. It parses no header and checks no other claim.
- **Peers are configured in their fastest documented form**: keys imported once (jose and hono get a
  \`CryptoKey\`, jsonwebtoken a \`KeyObject\`), \`algorithms\` pinned. express-oauth2-jwt-bearer gets
  \`secret\` for HS256 and a \`jwksUri\` served on 127.0.0.1 by the server's process for RS256 (fetched
  once, then cached by the library). tokengate gets \`secret\` or \`publicKey\` (PEM) plus \`issuer\`
  and \`audience\`, nothing else (default cache).
- **Before measuring**, every micro contender must accept a valid token and reject a tampered one,
  and every HTTP cell is probed for the expected status (200 valid, 401 bad signature); any other
  status during the load is counted and reported under "Problems seen".
- **Micro**: one process; ${ms.uniqueTokens.toLocaleString('en-US')} distinct tokens per algorithm are signed up front and cycled
  ("unique": a cache smaller than that misses on every lookup, as with LRU a cyclic scan never
  hits), or one token is repeated ("repeated": every cached lookup hits). A caching contender keeps
  one verifier for both modes, and its cache is filled to capacity before timing (a little more
  than its default size: 10,500 tokens for tokengate, 1,100 for fast-jwt): "repeated" is a hot
  token in a full cache, as in a server with many users. Time-bounded loops; a
  warm-up pass over every cell, then ${ms.rounds} round(s) in alternating order (each round reversed and rotated);
  a GC before each cell. Medians.
- **HTTP**: every server (framework × middleware × algorithm) runs in its own child process with
  \`NODE_ENV=production\`; the load comes from a separate child process (autocannon's API, keep-alive,
  ${hs.connections} connections, no pipelining) on 127.0.0.1. Each round starts each server afresh, warms it
  up, then measures its valid and bad-signature paths; rounds alternate the order. Express errors go
  through one shared error handler (status, challenge headers, short JSON); Koa uses its built-in
  error handling; every Hono app, peers' included, has \`app.onError\` return the
  \`HTTPException\`'s own response (what tokengate's \`authErrorHandler()\` does). Without it Hono's
  default handler re-wraps that response's body as a stream, which roughly doubles the server CPU
  of every refusal, for any middleware (\`node bench/rejection-cpu.mjs\` measures both).
- **Memory**: each contender in its own child process verifies ${memory ? memory.tokens.toLocaleString('en-US') : '1,000,000'} distinct HS256 tokens made on
  the fly with node:crypto HMAC (never stored); RSS and V8 heap (after a forced GC) are sampled every
  10 %. "Flat" means the heap retained after GC grew by at most max(2 MiB, 10 %) after the second
  sample.
- Profiles: \`--quick\` (one short round, for a smoke run), default, \`--full\` (longer cells, more rounds).
`;
}
