// In process: an uncached HS256 verification of a realistic ~315-byte access token (issue 26,
// item 13) beside the node:crypto floor and fast-jwt without its cache, all three checking the
// same things where they can (issuer, audience, algorithm). Rounds alternate the contenders; the
// figure is the median CPU time per verification (process.cpuUsage, steadier than wall time on a
// busy machine) and each contender's median ratio to the floor measured in the same round.
//
//   pnpm build && node bench/payload.mjs [--rounds 9] [--n 20000] [--core /path/to/other/core/dist]
import { createHmac, createSecretKey, randomBytes, timingSafeEqual } from 'node:crypto';
import { parseArgs } from 'node:util';
import { createVerifier as fastJwtVerifier } from 'fast-jwt';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '9' },
    n: { type: 'string', default: '20000' },
    core: { type: 'string' },
    // Time only the contenders whose name contains this text (for `node --cpu-prof`).
    only: { type: 'string' },
  },
});
const rounds = Number(values.rounds);
const n = Number(values.n);
const core = await import(
  values.core
    ? new URL(`file://${values.core}/index.js`).href
    : new URL('../packages/core/dist/index.js', import.meta.url).href
);

const ISSUER = 'https://idp.example.com/';
const AUDIENCE = 'https://api.example.com/orders';
const secret = randomBytes(32);
const b64 = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
const now = Math.floor(Date.now() / 1000);
const claims = {
  iss: ISSUER,
  aud: AUDIENCE,
  sub: 'auth0|5f7c8ec7c33c6c',
  exp: now + 3600,
  iat: now,
  jti: 'b8f1c2d4-9e6a-4f3b-a1d7',
  azp: 'mobile-app-4a9b2c',
  scope: 'openid orders:read orders:write',
  roles: ['admin', 'billing', 'support'],
  'https://example.com/tenant': 'acme-corp',
};
const payloadBytes = Buffer.byteLength(JSON.stringify(claims));
const input = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(claims)}`;
const token = `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;

// The floor: only the necessary work (split, HMAC, compare, decode, parse, the three checks).
const secretKey = createSecretKey(secret);
function floor(t) {
  const parts = t.split('.');
  if (parts.length !== 3) throw new Error('malformed');
  const sig = Buffer.from(parts[2], 'base64url');
  const mac = createHmac('sha256', secretKey).update(`${parts[0]}.${parts[1]}`).digest();
  if (sig.length !== mac.length || !timingSafeEqual(sig, mac)) throw new Error('bad signature');
  const payload = JSON.parse(Buffer.from(parts[1], 'base64url').toString());
  if (!(payload.exp > Date.now() / 1000)) throw new Error('expired');
  if (payload.iss !== ISSUER || payload.aud !== AUDIENCE) throw new Error('claims');
  return payload;
}
const fastJwt = fastJwtVerifier({
  key: secret,
  algorithms: ['HS256'],
  allowedIss: ISSUER,
  allowedAud: AUDIENCE,
  cache: false,
});
const verifier = core.createVerifier({
  secret,
  issuer: ISSUER,
  audience: AUDIENCE,
  algorithms: ['HS256'],
  cache: false,
});

const contenders = {
  floor: { run: floor, async: false },
  'fast-jwt (cache off)': { run: fastJwt, async: false },
  'tokengate (cache: false)': { run: (t) => verifier.verify(t), async: true },
};
if (values.only) {
  for (const name of Object.keys(contenders))
    if (name !== 'floor' && !name.includes(values.only)) delete contenders[name];
}
for (const [name, c] of Object.entries(contenders)) {
  const out = c.async ? await c.run(token) : c.run(token);
  const sub = out.sub ?? out.subject;
  if (sub !== claims.sub) throw new Error(`${name}: sanity check failed`);
}

async function time(c) {
  const t = process.cpuUsage();
  if (c.async) for (let i = 0; i < n; i++) await c.run(token);
  else for (let i = 0; i < n; i++) c.run(token);
  const used = process.cpuUsage(t);
  return (used.user + used.system) / n;
}

const samples = Object.fromEntries(Object.keys(contenders).map((k) => [k, []]));
for (let r = 0; r < rounds + 1; r++) {
  for (const [name, c] of Object.entries(contenders)) {
    const us = await time(c);
    if (r > 0) samples[name].push(us); // round 0 warms up
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
console.log(
  `HS256, ${payloadBytes}-byte payload, cache off, ${rounds} rounds of ${n} (median CPU µs per verification)\n`,
);
console.log('| contender | µs | × floor (verifications/s) |');
console.log('|---|---:|---:|');
for (const name of Object.keys(contenders)) {
  const ratio = median(samples[name].map((us, i) => samples.floor[i] / us));
  console.log(`| ${name} | ${median(samples[name]).toFixed(2)} | ${ratio.toFixed(2)}× |`);
}
