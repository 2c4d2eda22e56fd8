// Memory benchmark: RSS while verifying 1,000,000 distinct HS256 tokens, sampled every 100k, for
// tokengate's default cache, with fast-jwt's cache and the uncached floor as references. Each
// contender runs in its own child process; tokens are made on the fly with node:crypto HMAC (never
// stored), so the only thing that can grow is the verifier's own state.
//
//   node bench/memory.mjs [--tokens N] [--json FILE]
import { fork } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createVerifier as fastJwtVerifier } from 'fast-jwt';
import {
  exitWithParent,
  floorVerifier,
  hydrateKeys,
  loadTokengate,
  machineInfo,
  makeKeys,
  parseArgs,
  signer,
} from './lib/common.mjs';

export const CONTENDERS = [
  { id: 'floor', label: 'node:crypto floor (no cache, baseline)' },
  { id: 'tokengate', label: 'tokengate `createVerifier`, default cache' },
  { id: 'fastjwt-cache', label: 'fast-jwt `createVerifier`, `cache: true` (1000 entries)' },
];

const MiB = 2 ** 20;

async function childMain(id, total, every) {
  const gc = globalThis.gc ?? (() => {});
  const key = hydrateKeys({ HS256: makeKeys().HS256 }).HS256;
  let verify;
  let async = false;
  if (id === 'floor') verify = floorVerifier('HS256', key);
  else if (id === 'fastjwt-cache')
    verify = fastJwtVerifier({ key: key.secret, algorithms: ['HS256'], cache: true });
  else if (id === 'tokengate') {
    const tg = await loadTokengate('core');
    if (typeof tg.mod?.createVerifier !== 'function') {
      return { pending: tg.pending ?? '@tokengate/core does not export createVerifier yet' };
    }
    const verifier = tg.mod.createVerifier({ secret: key.secret });
    verify = (t) => verifier.verify(t);
    async = true;
  }
  const sign = signer('HS256', key);
  const now = Math.floor(Date.now() / 1000);
  gc();
  const start = process.memoryUsage();
  const samples = [];
  const t0 = performance.now();
  for (let i = 1; i <= total; i++) {
    const token = sign({ sub: `user-${i}`, jti: `${i}-${now}`, iat: now, exp: now + 3600 });
    if (async) await verify(token);
    else verify(token);
    if (i % every === 0) {
      const m = process.memoryUsage();
      gc();
      const after = process.memoryUsage();
      samples.push({ tokens: i, rss: m.rss, rssAfterGc: after.rss, heapUsedAfterGc: after.heapUsed });
    }
  }
  return { startRss: start.rss, samples, seconds: (performance.now() - t0) / 1000 };
}

export async function runMemory({ tokens = 1_000_000, log = console.log } = {}) {
  const every = Math.max(1, Math.floor(tokens / 10));
  const machine = machineInfo();
  log(`memory: ${tokens} distinct HS256 tokens per contender, RSS sampled every ${every}`);
  const results = {};
  for (const { id } of CONTENDERS) {
    const child = fork(fileURLToPath(import.meta.url), ['--child', id, '--tokens', String(tokens)], {
      execArgv: ['--expose-gc'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const killer = () => child.kill('SIGKILL');
    process.once('exit', killer);
    const guard = setTimeout(killer, 5 * 60_000);
    results[id] = await new Promise((resolve) => {
      child.once('message', resolve);
      child.once('exit', (code) => resolve({ error: `child exited with code ${code}` }));
    });
    clearTimeout(guard);
    process.off('exit', killer);
    if (child.exitCode === null) child.kill('SIGKILL');
    const r = results[id];
    if (r.samples) {
      const last = r.samples.at(-1);
      const warm = r.samples[Math.min(1, r.samples.length - 1)];
      r.finalRssMiB = last.rss / MiB;
      r.finalHeapMiB = last.heapUsedAfterGc / MiB;
      r.rssGrowthMiB = (last.rss - warm.rss) / MiB;
      r.heapGrowthMiB = (last.heapUsedAfterGc - warm.heapUsedAfterGc) / MiB;
      // Flat: what the verifier retains (heap after a GC) stops growing after the warm-up sample.
      r.flat = r.heapGrowthMiB <= Math.max(2, 0.1 * (warm.heapUsedAfterGc / MiB));
      log(
        `  ${id}: RSS ${r.finalRssMiB.toFixed(1)} MiB, heap after GC ${r.finalHeapMiB.toFixed(1)} MiB after ${last.tokens} tokens ` +
          `(${signed(r.heapGrowthMiB)} MiB heap, ${signed(r.rssGrowthMiB)} MiB RSS since ${warm.tokens}), ${r.seconds.toFixed(1)} s`,
      );
    } else log(`  ${id}: ${r.pending ? `pending (${r.pending})` : r.error}`);
  }
  return { machine, tokens, every, contenders: CONTENDERS, results };
}

const signed = (x) => `${x >= 0 ? '+' : ''}${x.toFixed(1)}`;

export function memoryTable(report) {
  const ids = report.contenders.map((c) => c.id);
  const columns = ids.filter((id) => report.results[id]?.samples);
  const lines = [
    `MiB while verifying ${report.tokens.toLocaleString('en-US')} distinct HS256 tokens: RSS (sampled before a forced GC) / V8 heap used after the GC:`,
    '',
    `| tokens verified | ${columns.map((id) => report.contenders.find((c) => c.id === id).label).join(' | ')} |`,
    `|---:|${columns.map(() => '---:').join('|')}|`,
  ];
  const rows = report.results[columns[0]]?.samples ?? [];
  rows.forEach((row, i) => {
    const vals = columns.map((id) => {
      const x = report.results[id].samples[i];
      return `${(x.rss / MiB).toFixed(1)} / ${(x.heapUsedAfterGc / MiB).toFixed(1)}`;
    });
    lines.push(`| ${row.tokens.toLocaleString('en-US')} | ${vals.join(' | ')} |`);
  });
  lines.push('');
  for (const id of ids) {
    const r = report.results[id];
    const label = report.contenders.find((c) => c.id === id).label;
    if (r?.pending) lines.push(`- ${label}: pending (${r.pending})`);
    else if (r?.error) lines.push(`- ${label}: error (${r.error})`);
    else if (r)
      lines.push(
        `- ${label}: RSS ${r.finalRssMiB.toFixed(1)} MiB at the end (${signed(r.rssGrowthMiB)} MiB after the second sample); heap after GC ${r.finalHeapMiB.toFixed(1)} MiB (${signed(r.heapGrowthMiB)} MiB) — ${r.flat ? 'flat' : 'NOT flat'}`,
      );
  }
  return lines.join('\n');
}

const args = parseArgs();
if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const tokens = Number(args.tokens ?? 1_000_000);
  if (typeof args.child === 'string') {
    process.on('disconnect', () => process.exit(0));
    const result = await childMain(args.child, tokens, Math.max(1, Math.floor(tokens / 10)));
    process.send(result, () => process.exit(0));
  } else {
    exitWithParent();
    const report = await runMemory({ tokens });
    console.log(`\n${memoryTable(report)}`);
    if (typeof args.json === 'string') writeFileSync(args.json, JSON.stringify(report, null, 2));
  }
}
