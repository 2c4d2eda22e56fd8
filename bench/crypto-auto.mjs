// A/B benchmark: does the `'auto'` signature backend (node:crypto where its self-tests pass,
// WebCrypto for the other key types) cost anything on Node compared with node:crypto alone
// (`crypto: 'node'`, what `'auto'` was before the self-tests)? Verifies/s with `cache: false`
// (every request checks a signature) for HS256, RS256, ES256 and EdDSA, alternating the two in
// time-bounded rounds; prints medians and the ratio auto / node. Also prints what the self-tests
// cost (each runs once per process, when the first key of its type is imported).
//
//   pnpm build && node bench/crypto-auto.mjs [--rounds N] [--ms N]
import { performance } from 'node:perf_hooks';
import { ALGS, AUDIENCE, ISSUER, loadTokengate, makeKeys, median, signer } from './lib/common.mjs';

const arg = (name, fallback) => {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 ? Number(process.argv[at + 1]) : fallback;
};
const ROUNDS = arg('rounds', 7);
const CELL_MS = arg('ms', 250);

const core = await loadTokengate('core');
if (!core.mod) throw new Error(core.pending);
const { createVerifier } = core.mod;
const keys = makeKeys();

function optionsFor(alg) {
  const key = keys[alg];
  return alg === 'HS256'
    ? { secret: key.secret, algorithms: ['HS256'] }
    : { publicKey: key.publicPem, algorithms: [alg] };
}

/** verifies/s of `verifier` over `tokens` for `ms` milliseconds. */
async function rate(verifier, tokens, ms) {
  let n = 0;
  const end = performance.now() + ms;
  const started = performance.now();
  while (performance.now() < end) {
    for (let i = 0; i < 64; i++) await verifier.verify(tokens[n++ % tokens.length]);
  }
  return n / ((performance.now() - started) / 1000);
}

console.log(`node ${process.version}; ${ROUNDS} rounds of ${CELL_MS} ms per cell; cache: false`);
const selfTest = await import(new URL('../packages/core/dist/crypto/self-test.js', import.meta.url).href);
const { createNodeBackend } = await import(
  new URL('../packages/core/dist/crypto/node.js', import.meta.url).href
);
const backend = createNodeBackend();
const costs = [];
for (const alg of Object.keys(selfTest.SELF_TEST_VECTORS)) {
  const t0 = performance.now();
  const passed = selfTest.passesSelfTest(backend, alg);
  costs.push(`${alg} ${(performance.now() - t0).toFixed(2)} ms${passed ? '' : ' (FAILED)'}`);
}
console.log(`self-tests, first run in this process: ${costs.join(', ')}`);
console.log('alg     node (verifies/s)  auto (verifies/s)  auto/node');
for (const alg of ALGS) {
  const sign = signer(alg, keys[alg]);
  const now = Math.floor(Date.now() / 1000);
  const tokens = Array.from({ length: 256 }, (_, i) =>
    sign({ sub: `u${i}`, iss: ISSUER, aud: AUDIENCE, iat: now, exp: now + 3600 }),
  );
  const base = { ...optionsFor(alg), issuer: ISSUER, audience: AUDIENCE, cache: false };
  const node = createVerifier({ ...base, crypto: 'node' });
  const auto = createVerifier({ ...base, crypto: 'auto' });
  await rate(node, tokens, 100);
  await rate(auto, tokens, 100);
  const rates = { node: [], auto: [] };
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 ? ['auto', 'node'] : ['node', 'auto'];
    for (const which of order) rates[which].push(await rate(which === 'node' ? node : auto, tokens, CELL_MS));
  }
  const [n, a] = [median(rates.node), median(rates.auto)];
  console.log(
    `${alg.padEnd(7)} ${Math.round(n).toString().padStart(17)}  ${Math.round(a).toString().padStart(17)}` +
      `  ${(a / n).toFixed(3).padStart(9)}`,
  );
}
