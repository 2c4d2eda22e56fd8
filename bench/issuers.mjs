// In process: what a token costs when its issuer is resolved by an `issuers` function or matched
// by a template (`{tid}`), beside one from a listed issuer (issue 23), each with the verified-token
// cache on (the same token again) and off; and what a flood of tokens naming made-up issuers
// costs: fetches (must be 0) and heap kept after it (must stay bounded). Figures are median CPU
// µs per verification over alternating rounds (process.cpuUsage); reported, never asserted.
//
//   pnpm build && node bench/issuers.mjs [--rounds 7] [--n 20000] [--flood 100000]
import { createHmac, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import v8 from 'node:v8';
import vm from 'node:vm';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '7' },
    n: { type: 'string', default: '20000' },
    flood: { type: 'string', default: '100000' },
    quick: { type: 'boolean', default: false },
    full: { type: 'boolean', default: false },
    // Where run.mjs wants the figures.
    json: { type: 'string' },
  },
});
const rounds = values.quick ? 3 : Number(values.rounds);
const n = values.quick ? 5_000 : Number(values.n);
const flood = Number(values.flood);
const core = await import(new URL('../packages/core/dist/index.js', import.meta.url).href);

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc');
const heap = () => {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
};

const secret = randomBytes(32);
const b64 = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
const now = Math.floor(Date.now() / 1000);
const sign = (claims) => {
  const input = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(claims)}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
};
const TID = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const ISS = `https://login.example.com/${TID}/v2.0`;
const token = sign({ iss: ISS, tid: TID, aud: 'api', sub: 'alice', iat: now, exp: now + 3600, scp: 'read' });

// Every verifier fetches through this counter: a made-up issuer must never reach it.
let fetches = 0;
const fetch = (...args) => {
  fetches++;
  return globalThis.fetch(...args);
};
const entry = { secret, audience: 'api' };
const others = Array.from({ length: 20 }, (_, i) => ({
  ...entry,
  issuer: `https://login.example.com/other-${i}/v2.0`,
}));
const configs = {
  listed: { issuers: [...others, { ...entry, issuer: ISS }] },
  resolved: { issuers: ({ iss }) => (iss.startsWith('https://login.example.com/') ? entry : undefined) },
  templated: { issuer: 'https://login.example.com/{tid}/v2.0', ...entry },
};

async function time(verifier) {
  const t = process.cpuUsage();
  for (let i = 0; i < n; i++) await verifier.verify(token);
  const used = process.cpuUsage(t);
  return (used.user + used.system) / n;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(`issuer resolution: HS256, median CPU µs per verification, ${rounds} rounds × ${n}`);
console.log('issuer     cached  uncached');
const results = {};
for (const cache of [true, false]) {
  const verifiers = Object.fromEntries(
    Object.entries(configs).map(([name, options]) => [
      name,
      core.createVerifier({ ...options, cache, fetch }),
    ]),
  );
  for (const v of Object.values(verifiers)) await v.verify(token);
  const samples = Object.fromEntries(Object.keys(configs).map((k) => [k, []]));
  for (let r = 0; r < rounds; r++)
    for (const [name, v] of Object.entries(verifiers)) samples[name].push(await time(v));
  for (const name of Object.keys(configs)) {
    results[name] ??= {};
    results[name][cache ? 'cached' : 'uncached'] = median(samples[name]);
  }
}
for (const [name, r] of Object.entries(results)) {
  console.log(`${name.padEnd(10)} ${r.cached.toFixed(2).padStart(6)}  ${r.uncached.toFixed(2).padStart(8)}`);
}

// The flood: every token names an issuer nobody lists or resolves.
// Signed beforehand (and held throughout), so neither their signing nor their bytes are counted.
const floodTokens = Array.from({ length: flood }, (_, i) =>
  sign({ iss: `https://made-up-${i}.example/`, tid: `t${i}`, aud: 'api', sub: 'x', exp: now + 3600 }),
);
console.log(`\nflood: ${flood.toLocaleString('en')} tokens, each naming a made-up issuer`);
console.log('issuers     refused  fetches  heap kept (MiB)  µs/token');
const floodResults = {};
for (const [name, options] of Object.entries({
  listed: configs.listed,
  // (a secret beside the JWKS so that the HS256 flood reaches the issuer check)
  resolved: {
    issuers: ({ iss }) =>
      iss.startsWith('https://tenant.example/')
        ? { ...entry, jwksUri: 'https://tenant.example/keys' }
        : undefined,
  },
  templated: {
    issuer: 'https://login.example.com/{tid}/v2.0',
    ...entry,
    jwksUri: 'https://login.example.com/keys',
  },
})) {
  const verifier = core.createVerifier({ ...options, fetch });
  fetches = 0;
  const before = heap();
  let refused = 0;
  const t = process.cpuUsage();
  for (const forged of floodTokens) {
    try {
      await verifier.verify(forged);
    } catch (error) {
      if (!core.isAuthError(error) || error.reason !== 'issuer') throw error;
      refused++;
    }
  }
  const used = process.cpuUsage(t);
  const kept = (heap() - before) / 2 ** 20;
  floodResults[name] = {
    refused,
    fetches,
    heapKeptMiB: kept,
    microsPerToken: (used.user + used.system) / flood,
  };
  console.log(
    `${name.padEnd(10)} ${String(refused).padStart(8)} ${String(fetches).padStart(8)}  ${kept.toFixed(2).padStart(15)}  ${((used.user + used.system) / flood).toFixed(2).padStart(8)}`,
  );
}

if (values.json)
  writeFileSync(values.json, JSON.stringify({ rounds, n, flood, verify: results, floods: floodResults }));
