// In process: what refusing a bad-signature HS256 token costs beside verifying a good one
// (issue 26, item 13: "a refusal costs no more than a verification"). Both through the core
// verifier with the cache off (a refusal is never cached, so the fair comparison is an uncached
// verification), and through authenticate() as every adapter calls it. Rounds alternate the two
// kinds; the figure is the median CPU time per request (process.cpuUsage, steadier than wall time
// on a busy machine), in µs, and refusal / verification.
//
//   pnpm build && node bench/refusal.mjs [--rounds 9] [--n 20000] [--core /path/to/other/core/dist]
import { createHmac, randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '9' },
    n: { type: 'string', default: '20000' },
    // Another build of the core to compare with (a copy of packages/core/dist).
    core: { type: 'string' },
  },
});
const rounds = Number(values.rounds);
const n = Number(values.n);
const core = await import(
  values.core
    ? new URL(`file://${values.core}/index.js`).href
    : new URL('../packages/core/dist/index.js', import.meta.url).href
);

const secret = randomBytes(32);
const b64 = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
const now = Math.floor(Date.now() / 1000);
const input = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({
  iss: 'https://issuer.bench/',
  aud: 'api://bench',
  sub: 'alice',
  iat: now,
  exp: now + 3600,
  scope: 'orders:read orders:write',
})}`;
const signature = createHmac('sha256', secret).update(input).digest('base64url');
const good = `${input}.${signature}`;
// Another valid spelling of a wrong MAC: the first character changed, the unused bits untouched.
const bad = `${input}.${signature[0] === 'A' ? 'B' : 'A'}${signature.slice(1)}`;

const verifier = core.createVerifier({
  secret,
  issuer: 'https://issuer.bench/',
  audience: 'api://bench',
  cache: false,
});
const request = (token) => ({
  method: 'GET',
  url: '/',
  raw: undefined,
  header: (name) => (name === 'authorization' ? `Bearer ${token}` : undefined),
});
const goodRequest = request(good);
const badRequest = request(bad);

async function timeVerify(token, expectOk) {
  const t = process.cpuUsage();
  for (let i = 0; i < n; i++) {
    try {
      await verifier.verify(token);
      if (!expectOk) throw new Error('a bad token verified');
    } catch (error) {
      if (expectOk || !core.isAuthError(error)) throw error;
    }
  }
  const used = process.cpuUsage(t);
  return (used.user + used.system) / n;
}

async function timeAuthenticate(req, expectOk) {
  const t = process.cpuUsage();
  for (let i = 0; i < n; i++) {
    try {
      await core.authenticate(verifier, req);
      if (!expectOk) throw new Error('a bad token authenticated');
    } catch (error) {
      if (expectOk || !core.isAuthError(error)) throw error;
    }
  }
  const used = process.cpuUsage(t);
  return (used.user + used.system) / n;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const results = { verifyOk: [], verifyBad: [], authOk: [], authBad: [] };
await timeVerify(good, true); // warm-up
await timeVerify(bad, false);
await timeAuthenticate(goodRequest, true);
await timeAuthenticate(badRequest, false);
for (let round = 0; round < rounds; round++) {
  results.verifyOk.push(await timeVerify(good, true));
  results.verifyBad.push(await timeVerify(bad, false));
  results.authOk.push(await timeAuthenticate(goodRequest, true));
  results.authBad.push(await timeAuthenticate(badRequest, false));
}
const row = (name, ok, refused) =>
  `| ${name} | ${median(ok).toFixed(2)} | ${median(refused).toFixed(2)} | ${(median(refused) / median(ok)).toFixed(2)}× |`;
console.log(`HS256, cache off, ${rounds} rounds of ${n} (median CPU µs per request)\n`);
console.log('| path | valid token | bad signature | refusal / verification |');
console.log('|---|---:|---:|---:|');
console.log(row('verifier.verify()', results.verifyOk, results.verifyBad));
console.log(row('authenticate()', results.authOk, results.authBad));
