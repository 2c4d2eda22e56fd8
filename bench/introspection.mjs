// Opaque tokens by introspection (issue 24): what a request costs in core.
//
//   node bench/introspection.mjs [--quick]
//
// - cached: the same opaque token verified again and again (an answer in the introspection
//   cache) against the same for a JWT (HS256 and ES256) in the verified-token cache: ns per verify.
//   The opaque path pays one SHA-256 of the token (the cache never keeps the token itself),
//   measured alone as well. Figures are process CPU time per verify, rounds interleaved.
// - uncached (`cacheMaxAge: 0`): one introspection per request against a local endpoint on
//   127.0.0.1, against a bare `fetch` POST of the same form to the same endpoint: µs per request,
//   one request at a time. The difference is what tokengate adds to the round trip.
//
// Needs `pnpm build` (loads packages/core/dist).
import { hash } from 'node:crypto';
import { createServer } from 'node:http';
import { generateKeyPair, SignJWT } from 'jose';
import { exitWithParent, loadTokengate, median } from './lib/common.mjs';

exitWithParent();
const quick = process.argv.includes('--quick');
const ROUNDS = quick ? 3 : 7;
const HIT_ITERATIONS = quick ? 200_000 : 1_000_000;
const TRIPS = quick ? 300 : 2_000;

const { mod: core, pending } = await loadTokengate('core');
if (!core) throw new Error(pending);
const AUDIENCE = 'https://api.example.test/';
const now = Math.floor(Date.now() / 1000);
const ANSWER = JSON.stringify({
  active: true,
  sub: 'alice',
  client_id: 'app',
  scope: 'orders:read orders:write',
  aud: AUDIENCE,
  iat: now,
  exp: now + 3600,
  token_type: 'Bearer',
});

const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end(ANSWER));
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const endpoint = `http://127.0.0.1:${server.address().port}/introspect`;
const OPAQUE =
  'ory_at_hVbXOpAqW7u2sXo7N0rP1o0Y8m2pQm1eQxFz5f3kK2c.aZ1vR8tq2bBv9mN0x7YwqH4cL6dE3fG5hJ8kL1mN2pQ';
const introspection = { endpoint, clientId: 'orders-api', clientSecret: 'a bench secret' };

/**
 * ns of process CPU time per verify for each [verifier, token] pair, rounds interleaved so that
 * every path meets the same machine (CPU time, not wall time: the machine may be shared).
 */
async function nsPerVerify(pairs) {
  for (const [verifier, token] of pairs) {
    await verifier.verify(token);
    await verifier.verify(token); // the JWT cache admits a token from its second use
  }
  const rounds = pairs.map(() => []);
  for (let r = 0; r < ROUNDS; r++) {
    for (const [k, [verifier, token]] of pairs.entries()) {
      const c0 = process.cpuUsage();
      for (let i = 0; i < HIT_ITERATIONS; i++) await verifier.verify(token);
      const cpu = process.cpuUsage(c0);
      rounds[k].push(((cpu.user + cpu.system) * 1000) / HIT_ITERATIONS);
    }
  }
  return rounds.map(median);
}

/**
 * µs per call for each function, one call at a time, rounds interleaved: wall time (what a
 * request waits) and process CPU time (client and endpoint both run in this process, so the CPU
 * figure is what the round trip costs this machine, free of the scheduler's noise).
 */
async function usPerCall(calls) {
  for (const call of calls) for (let i = 0; i < 50; i++) await call();
  const wall = calls.map(() => []);
  const cpu = calls.map(() => []);
  for (let r = 0; r < ROUNDS; r++) {
    for (const [k, call] of calls.entries()) {
      const c0 = process.cpuUsage();
      const start = process.hrtime.bigint();
      for (let i = 0; i < TRIPS; i++) await call();
      wall[k].push(Number(process.hrtime.bigint() - start) / TRIPS / 1000);
      const used = process.cpuUsage(c0);
      cpu[k].push((used.user + used.system) / TRIPS);
    }
  }
  return calls.map((_, k) => ({ wall: median(wall[k]), cpu: median(cpu[k]) }));
}

const secret = 'a bench secret that is long enough for HS256!';
const hs = await new SignJWT({ sub: 'alice', scope: 'orders:read', aud: AUDIENCE })
  .setProtectedHeader({ alg: 'HS256' })
  .setIssuedAt()
  .setExpirationTime('1h')
  .sign(new TextEncoder().encode(secret));
const { privateKey, publicKey } = await generateKeyPair('ES256');
const es = await new SignJWT({ sub: 'alice', scope: 'orders:read', aud: AUDIENCE })
  .setProtectedHeader({ alg: 'ES256' })
  .setIssuedAt()
  .setExpirationTime('1h')
  .sign(privateKey);

const [cachedJwtHs, cachedJwtEs, cachedOpaque] = await nsPerVerify([
  [core.createVerifier({ secret, audience: AUDIENCE }), hs],
  [core.createVerifier({ publicKey, audience: AUDIENCE }), es],
  [
    core.createVerifier({ audience: AUDIENCE, introspection: { ...introspection, cacheMaxAge: '1h' } }),
    OPAQUE,
  ],
]);
// What the opaque path adds: one SHA-256 of the token (the cache keys on it, never the token).
const c0 = process.cpuUsage();
for (let i = 0; i < HIT_ITERATIONS; i++) hash('sha256', OPAQUE, 'base64url');
const hashCpu = process.cpuUsage(c0);
const hashNs = ((hashCpu.user + hashCpu.system) * 1000) / HIT_ITERATIONS;
const uncachedVerifier = core.createVerifier({
  audience: AUDIENCE,
  introspection: { ...introspection, cacheMaxAge: 0 },
});
const basic = `Basic ${Buffer.from('orders-api:a+bench+secret').toString('base64')}`;
const [uncached, bare] = await usPerCall([
  () => uncachedVerifier.verify(OPAQUE),
  async () => {
    const response = await fetch(endpoint, {
      method: 'POST',
      redirect: 'manual',
      headers: {
        authorization: basic,
        accept: 'application/json',
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ token: OPAQUE, token_type_hint: 'access_token' }).toString(),
    });
    JSON.parse(await response.text());
  },
]);
server.closeAllConnections();
server.close();

const f = (n, d = 0) => n.toFixed(d);
console.log(`Introspection (Node ${process.version}, median of ${ROUNDS} rounds)`);
console.log('');
console.log('| path | cost |');
console.log('| --- | --- |');
console.log(`| cached JWT, HS256 (verified-token cache) | ${f(cachedJwtHs)} ns |`);
console.log(`| cached JWT, ES256 (verified-token cache) | ${f(cachedJwtEs)} ns |`);
console.log(`| cached opaque token (introspection cache) | ${f(cachedOpaque)} ns |`);
console.log(`| of which: SHA-256 of the token (the cache key) | ${f(hashNs)} ns |`);
console.log(
  `| uncached opaque token (one introspection per request) | ${f(uncached.wall, 1)} µs wall, ${f(uncached.cpu, 1)} µs CPU |`,
);
console.log(
  `| bare fetch POST round trip to the same endpoint | ${f(bare.wall, 1)} µs wall, ${f(bare.cpu, 1)} µs CPU |`,
);
console.log('');
console.log(`cached opaque / cached JWT (HS256): ${f(cachedOpaque / cachedJwtHs, 2)}×`);
console.log(
  `uncached opaque − bare round trip: ${f(uncached.wall - bare.wall, 1)} µs wall, ${f(uncached.cpu - bare.cpu, 1)} µs CPU (${f((uncached.cpu / bare.cpu - 1) * 100, 1)} % of the round trip's CPU)`,
);
