// Micro benchmark: verifies/s for HS256, RS256, ES256 and EdDSA, unique and repeated tokens, for the
// node:crypto floor, jose, fast-jwt (cache off/on), jsonwebtoken, hono's verify and tokengate
// (cached and `cache: false`). Time-bounded loops, several rounds alternating the contenders,
// medians reported, each as a ratio to the floor.
//
//   node bench/micro.mjs [--quick|--full] [--json FILE]
import { writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { createVerifier as fastJwtVerifier } from 'fast-jwt';
import { verify as honoVerify } from 'hono/jwt';
import * as jose from 'jose';
import jsonwebtoken from 'jsonwebtoken';
import {
  ALGS,
  cryptoKeyFor,
  exitWithParent,
  floorVerifier,
  fmtRate,
  fmtRatio,
  hydrateKeys,
  loadTokengate,
  machineInfo,
  makeKeys,
  median,
  parseArgs,
  signer,
  tamper,
  versionOf,
} from './lib/common.mjs';

// "unique" cycles through more distinct tokens than any contender's default cache holds (fast-jwt
// 1,000; tokengate 10,000), so with an LRU every lookup misses.
export const PROFILES = {
  quick: { cellMs: 100, warmMs: 30, rounds: 1, uniqueTokens: 12_000 },
  default: { cellMs: 250, warmMs: 150, rounds: 7, uniqueTokens: 20_000 },
  full: { cellMs: 500, warmMs: 300, rounds: 11, uniqueTokens: 30_000 },
};

export const CONTENDERS = [
  { id: 'floor', label: 'node:crypto floor (only the necessary work)' },
  { id: 'tokengate-cache', label: 'tokengate `createVerifier` (default cache)' },
  { id: 'tokengate-nocache', label: 'tokengate `createVerifier` (`cache: false`)' },
  { id: 'jose', label: 'jose `jwtVerify` (WebCrypto)' },
  { id: 'fastjwt-nocache', label: 'fast-jwt `createVerifier`, no cache' },
  { id: 'fastjwt-cache', label: 'fast-jwt `createVerifier`, `cache: true`' },
  { id: 'jsonwebtoken', label: 'jsonwebtoken `verify`' },
  { id: 'hono', label: 'hono `verify` (hono/jwt)' },
];

export const MODES = ['unique', 'repeated'];

/**
 * Contenders with a verified-token cache, and how many tokens fill each before timing: a little
 * more than its default capacity (tokengate 10,000 entries, fast-jwt 1,000).
 */
const PREFILL = { 'tokengate-cache': 10_500, 'fastjwt-cache': 1_100 };

/** Builds `{ fn, async }` per contender for one algorithm, or `{ pending | na: reason }`. */
async function buildContenders(alg, key, tokengate) {
  const out = {};
  out.floor = { fn: floorVerifier(alg, key), async: false };

  if (tokengate.mod && typeof tokengate.mod.createVerifier === 'function') {
    const base = alg === 'HS256' ? { secret: key.secret } : { publicKey: key.publicPem };
    for (const [id, extra] of [
      ['tokengate-cache', {}],
      ['tokengate-nocache', { cache: false }],
    ]) {
      try {
        const verifier = tokengate.mod.createVerifier({ ...base, ...extra });
        out[id] = { fn: (t) => verifier.verify(t), async: true };
      } catch (err) {
        out[id] = { error: `createVerifier threw: ${err.message}` };
      }
    }
  } else {
    const reason = tokengate.pending ?? '@tokengate/core does not export createVerifier yet';
    out['tokengate-cache'] = { pending: reason };
    out['tokengate-nocache'] = { pending: reason };
  }

  const joseKey =
    alg === 'HS256' ? new TextEncoder().encode(key.secret) : await jose.importSPKI(key.publicPem, alg);
  const joseKeyAsCrypto = await cryptoKeyFor(alg, key);
  out.jose = { fn: (t) => jose.jwtVerify(t, joseKey, { algorithms: [alg] }), async: true };

  const fjKey = alg === 'HS256' ? key.secret : key.publicPem;
  const fjNo = fastJwtVerifier({ key: fjKey, algorithms: [alg], cache: false });
  const fjYes = fastJwtVerifier({ key: fjKey, algorithms: [alg], cache: true });
  out['fastjwt-nocache'] = { fn: fjNo, async: false };
  out['fastjwt-cache'] = { fn: fjYes, async: false };

  if (alg === 'EdDSA') out.jsonwebtoken = { na: 'jsonwebtoken 9 does not support EdDSA' };
  else {
    const jwKey = alg === 'HS256' ? key.secretKey : key.publicKey;
    out.jsonwebtoken = { fn: (t) => jsonwebtoken.verify(t, jwKey, { algorithms: [alg] }), async: false };
  }

  // Given a CryptoKey (imported once), hono skips its per-call key import.
  out.hono = { fn: (t) => honoVerify(t, joseKeyAsCrypto, alg), async: true };
  return out;
}

/** Proves a contender really verifies: a valid token passes, a tampered one is rejected. */
async function sanityCheck(c, token) {
  const result = await c.fn(token);
  if (result == null) throw new Error('returned nothing for a valid token');
  let rejected = false;
  try {
    await c.fn(tamper(token));
  } catch {
    rejected = true;
  }
  if (!rejected) throw new Error('accepted a token with a bad signature');
}

function loopSync(fn, tokens, cursor, ms) {
  const n = tokens.length;
  let i = cursor.i;
  let count = 0;
  const t0 = performance.now();
  const end = t0 + ms;
  let t = t0;
  do {
    for (let k = 0; k < 16; k++) {
      fn(tokens[i]);
      i = i + 1 === n ? 0 : i + 1;
    }
    count += 16;
    t = performance.now();
  } while (t < end);
  cursor.i = i;
  return (count * 1000) / (t - t0);
}

async function loopAsync(fn, tokens, cursor, ms) {
  const n = tokens.length;
  let i = cursor.i;
  let count = 0;
  const t0 = performance.now();
  const end = t0 + ms;
  let t = t0;
  do {
    for (let k = 0; k < 16; k++) {
      await fn(tokens[i]);
      i = i + 1 === n ? 0 : i + 1;
    }
    count += 16;
    t = performance.now();
  } while (t < end);
  cursor.i = i;
  return (count * 1000) / (t - t0);
}

const gc = globalThis.gc ?? (() => {});

export async function runMicro({ profile = 'default', log = console.log } = {}) {
  const settings = PROFILES[profile];
  const machine = machineInfo();
  log(`micro: Node ${machine.node}, ${machine.cpu} × ${machine.cores}, profile ${profile}`);
  const tokengate = await loadTokengate('core');
  const keys = hydrateKeys(makeKeys());
  const now = Math.floor(Date.now() / 1000);

  const perAlg = {};
  for (const alg of ALGS) {
    const t0 = performance.now();
    const sign = signer(alg, keys[alg]);
    const unique = Array.from({ length: settings.uniqueTokens }, (_, i) =>
      sign({ sub: `user-${i}`, jti: `j${i}-${now}`, iat: now, exp: now + 3600 }),
    );
    const repeated = [sign({ sub: 'user-repeated', jti: `r-${now}`, iat: now, exp: now + 3600 })];
    const contenders = await buildContenders(alg, keys[alg], tokengate);
    for (const [id, c] of Object.entries(contenders)) {
      if (!c.fn) continue;
      try {
        await sanityCheck(c, repeated[0]);
      } catch (err) {
        contenders[id] = { error: `sanity check failed: ${err.message}` };
      }
    }
    perAlg[alg] = { tokens: { unique, repeated }, contenders };
    log(`  ${alg}: ${unique.length} distinct tokens signed in ${Math.round(performance.now() - t0)} ms`);
  }

  // results[mode][contender][alg] = { rounds: [...], median, ratio }
  const results = {};
  const cursors = {};
  const cells = [];
  for (const mode of MODES) {
    results[mode] = {};
    for (const { id } of CONTENDERS) {
      results[mode][id] = {};
      for (const alg of ALGS) {
        const c = perAlg[alg].contenders[id];
        const status = c.pending
          ? { pending: c.pending }
          : c.na
            ? { na: c.na }
            : c.error
              ? { error: c.error }
              : null;
        results[mode][id][alg] = status ?? { rounds: [] };
        if (!status) {
          cursors[`${mode}/${id}/${alg}`] = { i: 0 };
          cells.push({ mode, id, alg });
        }
      }
    }
  }

  const run = async ({ mode, id, alg }, ms) => {
    const c = perAlg[alg].contenders[id];
    const tokens = perAlg[alg].tokens[mode];
    const cursor = cursors[`${mode}/${id}/${alg}`];
    gc();
    return c.async ? loopAsync(c.fn, tokens, cursor, ms) : loopSync(c.fn, tokens, cursor, ms);
  };

  // Groups of cells that share a floor (same mode and algorithm) run back to back, so each round's
  // ratio compares figures taken seconds apart: load from elsewhere on the machine mostly cancels.
  const groups = [];
  for (const mode of MODES) {
    for (const alg of ALGS) {
      const group = cells.filter((c) => c.mode === mode && c.alg === alg);
      if (group.length) groups.push(group);
    }
  }
  // Caching contenders keep one verifier for both modes, and their caches are filled to capacity
  // first (as in a server with many users): "repeated" then measures a hot token in a full cache,
  // "unique" a miss that also evicts.
  const prefillT0 = performance.now();
  for (const alg of ALGS) {
    const tokens = perAlg[alg].tokens.unique;
    for (const [id, fill] of Object.entries(PREFILL)) {
      const c = perAlg[alg].contenders[id];
      if (!c?.fn) continue;
      const n = Math.min(tokens.length, fill);
      for (let i = 0; i < n; i++) await c.fn(tokens[i]);
    }
  }
  log(`  caches filled in ${Math.round(performance.now() - prefillT0)} ms`);

  const started = performance.now();
  for (const cell of cells) await run(cell, settings.warmMs); // warm-up, discarded
  for (let r = 0; r < settings.rounds; r++) {
    // Alternate: every other round runs the groups in reverse, and each round starts each group at
    // a different contender.
    const order = r % 2 === 0 ? groups : [...groups].reverse();
    for (const group of order) {
      const shift = r % group.length;
      const rotated = [...group.slice(shift), ...group.slice(0, shift)];
      for (const cell of rotated) {
        const rate = await run(cell, settings.cellMs);
        results[cell.mode][cell.id][cell.alg].rounds.push(rate);
      }
    }
    log(`  round ${r + 1}/${settings.rounds} done (${Math.round((performance.now() - started) / 1000)} s)`);
  }

  for (const mode of MODES) {
    for (const alg of ALGS) {
      const floor = results[mode].floor[alg];
      for (const { id } of CONTENDERS) {
        const cell = results[mode][id][alg];
        if (!cell.rounds) continue;
        cell.median = median(cell.rounds);
        // The median of per-round ratios (each against the floor measured in the same round).
        cell.ratio = median(cell.rounds.map((x, i) => x / floor.rounds[i]));
      }
    }
  }

  return {
    machine,
    profile,
    settings,
    versions: {
      jose: versionOf('jose'),
      'fast-jwt': versionOf('fast-jwt'),
      jsonwebtoken: versionOf('jsonwebtoken'),
      hono: versionOf('hono'),
      tokengate: tokengate.version ?? null,
    },
    tokengate: tokengate.mod?.createVerifier
      ? 'present'
      : (tokengate.pending ?? 'createVerifier not exported'),
    contenders: CONTENDERS,
    algs: ALGS,
    results,
  };
}

export function cellText(cell) {
  if (!cell) return '—';
  if (cell.pending) return 'pending';
  if (cell.na) return 'n/a';
  if (cell.error) return 'error';
  return `${fmtRate(cell.median)} (${fmtRatio(cell.ratio)})`;
}

export function microTables(report) {
  const lines = [];
  for (const mode of MODES) {
    lines.push(
      mode === 'unique'
        ? `Unique tokens (${report.settings.uniqueTokens} distinct tokens, cycled; every cached lookup misses when the cache holds fewer):`
        : 'Repeated tokens (the same token every time):',
      '',
      `| verifies/s (× floor) | ${report.algs.join(' | ')} |`,
      `|---|${report.algs.map(() => '---:').join('|')}|`,
    );
    for (const { id, label } of report.contenders) {
      lines.push(
        `| ${label} | ${report.algs.map((a) => cellText(report.results[mode][id][a])).join(' | ')} |`,
      );
    }
    lines.push('');
  }
  const notes = [];
  for (const mode of MODES) {
    for (const { id, label } of report.contenders) {
      for (const a of report.algs) {
        const c = report.results[mode][id][a];
        if (c?.error) notes.push(`- ${label}, ${a}, ${mode}: ${c.error}`);
      }
    }
  }
  if (notes.length) lines.push('Errors:', '', ...new Set(notes), '');
  return lines.join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const args = parseArgs();
  exitWithParent();
  const report = await runMicro({ profile: args.profile });
  console.log(`\n${microTables(report)}`);
  if (typeof args.json === 'string') writeFileSync(args.json, JSON.stringify(report, null, 2));
}
