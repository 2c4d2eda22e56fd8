// The CPU cost of the most expensive request tokengate refuses with its default limits (issue 12,
// item 3): a key set of 8 keys of the most expensive shape each family allows, and a kid-less
// token whose signature has the right length but is garbage, so every candidate key is tried.
// Prints microseconds of CPU per refused token on each backend. Nothing is asserted; the target
// is ≤ 2 ms.
//
//   pnpm build && node bench/worst-rejection.mjs [--rounds N]
import crypto from 'node:crypto';
import { parseArgs } from 'node:util';
import { loadTokengate } from './lib/common.mjs';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '200' } } });
const rounds = Number(values.rounds);
const core = (await loadTokengate('core')).mod;
if (!core?.createVerifier) {
  console.error('worst-rejection: build the packages first (pnpm build)');
  process.exit(1);
}

const b64u = (bytes) => Buffer.from(bytes).toString('base64url');
const exponent = (e) => {
  const hex = e.toString(16);
  return b64u(Buffer.from(hex.length % 2 ? `0${hex}` : hex, 'hex'));
};

/**
 * An RSA public JWK of exactly `bits` bits with the costliest exponent allowed (65535: 16 one
 * bits, ≤ 65537). The modulus is a random odd number: import does not check primality, and a
 * failed check costs the same modular exponentiation.
 */
function rsaJwk(bits, e) {
  const n = crypto.randomBytes(bits / 8);
  n[0] |= 0x80;
  n[n.length - 1] |= 1;
  return { kty: 'RSA', n: b64u(n), e: exponent(e) };
}
function generated(type, options) {
  return crypto.generateKeyPairSync(type, options).publicKey.export({ format: 'jwk' });
}

const SIGNATURE_BYTES = { ES256: 64, ES384: 96, ES512: 132, EdDSA: 64 };
const scenarios = [
  ...[2048, 3072, 4096, 8192].map((bits) => ({
    name: `8 × RSA-${bits}, e = 65535`,
    alg: 'RS256',
    keys: () => Array.from({ length: 8 }, () => rsaJwk(bits, 65535)),
    signatureBytes: bits / 8,
  })),
  ...[
    ['ES256', 'P-256'],
    ['ES384', 'P-384'],
    ['ES512', 'P-521'],
  ].map(([alg, namedCurve]) => ({
    name: `8 × ${namedCurve}`,
    alg,
    keys: () => Array.from({ length: 8 }, () => generated('ec', { namedCurve })),
    signatureBytes: SIGNATURE_BYTES[alg],
  })),
  {
    name: '8 × Ed25519',
    alg: 'EdDSA',
    keys: () => Array.from({ length: 8 }, () => generated('ed25519')),
    signatureBytes: 64,
  },
  {
    name: 'before: 8 × RSA-3072, 3062-bit e',
    alg: 'RS256',
    keys: () => Array.from({ length: 8 }, () => rsaJwk(3072, 2n ** 3061n + 1n)),
    signatureBytes: 384,
  },
];

function garbageToken(alg, signatureBytes, i) {
  const header = b64u(JSON.stringify({ alg }));
  const payload = b64u(JSON.stringify({ sub: `s${i}`, exp: Math.floor(Date.now() / 1000) + 3600 }));
  const signature = crypto.randomBytes(signatureBytes);
  signature[0] = 0; // below the modulus / group order, so the whole check runs
  if (alg.startsWith('ES')) signature[signatureBytes / 2] = 0;
  return `${header}.${payload}.${b64u(signature)}`;
}

async function measure(verifier, alg, signatureBytes) {
  const tokens = Array.from({ length: rounds }, (_, i) => garbageToken(alg, signatureBytes, i));
  for (let i = 0; i < 10; i++) await verifier.verify(tokens[i]).catch(() => {});
  let reason;
  const start = process.cpuUsage();
  for (const token of tokens) {
    try {
      await verifier.verify(token);
      reason = 'accepted!';
    } catch (error) {
      reason = error.reason ?? error.code;
    }
  }
  const used = process.cpuUsage(start);
  return { us: (used.user + used.system) / rounds, reason };
}

const rows = [];
for (const scenario of scenarios) {
  const jwks = { keys: scenario.keys() };
  const row = { name: scenario.name };
  for (const backend of ['node', 'webcrypto']) {
    let verifier;
    try {
      verifier = core.createVerifier({ jwks, algorithms: [scenario.alg], crypto: backend });
      await verifier.ready();
    } catch (error) {
      row[backend] = `refused at start-up (${error.message.replace(/^tokengate: /, '').slice(0, 60)}…)`;
      continue;
    }
    const { us, reason } = await measure(verifier, scenario.alg, scenario.signatureBytes);
    row[backend] = `${(us / 1000).toFixed(3)} ms (${reason})`;
    row[`${backend}Us`] = us;
  }
  rows.push(row);
}

console.log(
  `Worst refused request with default limits, CPU per token (${rounds} tokens, ${process.version})\n`,
);
console.log('| key set | node:crypto | WebCrypto |');
console.log('|---|---|---|');
for (const row of rows) console.log(`| ${row.name} | ${row.node} | ${row.webcrypto} |`);
const worst = Math.max(...rows.flatMap((r) => [r.nodeUs ?? 0, r.webcryptoUs ?? 0]));
console.log(`\nworst: ${(worst / 1000).toFixed(3)} ms (target ≤ 2 ms)`);
