#!/usr/bin/env node
// What back-channel logout (issue 24) adds to the request path: `isRevoked` on the memory store
// for a token without `sid`, with a `sid` that is not revoked, and with one that is, with 0 and
// 100,000 revoked sessions held; and the cost of answering one logout token (ES256, keys local,
// memory replay store) in core.
//
//   pnpm build && node bench/session-revocation.mjs [--core DIR] [--calls 2000000]
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : process.argv[i + 1];
}
const coreDir = arg('core', new URL('../packages/core/dist/', import.meta.url).pathname).replace(/\/$/, '');
const calls = Number(arg('calls', 2_000_000));
const core = await import(pathToFileURL(`${coreDir}/index.js`).href);
const adapter = await import(pathToFileURL(`${coreDir}/adapter.js`).href);
const { createTestIssuer } = await import(pathToFileURL(`${coreDir}/testing/index.js`).href);

const now = Math.floor(Date.now() / 1000);
const auth = (payload) => ({
  payload: { sub: 'alice', jti: 'j', iat: now - 10, exp: now + 600, ...payload },
});
const cases = {
  'no sid': auth({}),
  'sid not revoked': auth({ sid: 'live-session' }),
  'sid revoked': auth({ sid: 'session-7' }),
};

function measure(store, token) {
  let revoked = 0;
  for (let i = 0; i < 100_000; i++) if (store.isRevoked(token)) revoked++; // warm-up
  const start = performance.now();
  for (let i = 0; i < calls; i++) if (store.isRevoked(token)) revoked++;
  return { ns: ((performance.now() - start) * 1e6) / calls, revoked };
}

for (const sessions of [0, 100_000]) {
  const store = core.createMemoryRevocationStore({ maxEntries: 100_000 });
  for (let i = 0; i < 1000; i++) await store.revoke(`revoked-${i}`, now + 600);
  for (let i = 0; i < sessions; i++) await store.revokeSession(`session-${i}`, now);
  for (const [name, token] of Object.entries(cases)) {
    const { ns } = measure(store, token);
    console.log(`isRevoked, ${sessions} sessions held, ${name}: ${ns.toFixed(1)} ns`);
  }
}

const op = await createTestIssuer({ alg: 'ES256', issuer: 'https://op.example', audience: 'rp' });
const endpoint = adapter.createBackchannelLogout({
  issuer: 'https://op.example',
  audience: 'rp',
  jwks: op.jwks,
  revocation: core.createMemoryRevocationStore(),
});
const events = { [core.BACKCHANNEL_LOGOUT_EVENT]: {} };
const tokens = [];
for (let i = 0; i < 2000; i++) tokens.push(await op.sign({ sid: `s-${i}`, events }, { typ: 'logout+jwt' }));
const start = performance.now();
for (const token of tokens) {
  const answer = await endpoint.answer('application/x-www-form-urlencoded', {
    kind: 'text',
    text: `logout_token=${token}`,
  });
  if (answer.status !== 200) throw new Error(answer.body);
}
console.log(
  `one logout token answered (ES256, verify + revoke + replay check): ${(((performance.now() - start) * 1000) / tokens.length).toFixed(1)} µs`,
);
