// Memory and timers per watched connection (issue 25: "thousands of idle connections cost one
// timer structure, not one timer each"). Verifies N distinct tokens (each with `jti`, `sub`, `exp`
// an hour away) through a verifier with a remote JWKS and a revocation store, so every watch
// joins all three structures (the expiry heap, the store's index, the key set's list), then
// measures the heap with and without N watches (after a full GC) and counts the process's timers.
// The contexts exist either way (the app holds them for its connections): the figure is what
// watchAuth adds per connection, the onEnd closure included.
//
//   pnpm build && node --expose-gc bench/connections.mjs [--n 10000] [--rounds 5]
import { parseArgs } from 'node:util';
import { measureWatches } from './lib/watch-memory.mjs';

const { values } = parseArgs({
  options: { n: { type: 'string', default: '10000' }, rounds: { type: 'string', default: '5' } },
});
const n = Number(values.n);
const rounds = Number(values.rounds);
if (typeof globalThis.gc !== 'function') {
  console.error('run with node --expose-gc');
  process.exit(1);
}
const core = await import(new URL('../packages/core/dist/index.js', import.meta.url).href);
const { createTestIssuer } = await import(
  new URL('../packages/core/dist/testing/index.js', import.meta.url).href
);

const idp = await createTestIssuer({ alg: 'ES256' });
const server = await idp.listen();
const revocation = core.createMemoryRevocationStore();
const verifier = core.createVerifier({
  jwksUri: server.jwksUri,
  issuer: idp.issuer,
  revocation,
  cache: false,
  onKeySourceEvent: false,
});
const exp = Math.floor(Date.now() / 1000) + 3600;
const contexts = [];
for (let i = 0; i < n; i++) {
  contexts.push(await verifier.verify(await idp.sign({ sub: `user-${i % 1000}`, jti: `jti-${i}`, exp })));
}

const {
  perWatch: perConnection,
  median,
  timersArmed,
} = await measureWatches({
  n,
  rounds,
  start: () =>
    contexts.map((auth) => {
      const connection = { closed: false };
      return core.watchAuth(auth, { onEnd: () => (connection.closed = true) });
    }),
});
console.log(`watchAuth: ${n} idle connections (expiry, revocation store, remote key set watched)`);
console.log(
  `  heap per connection: ${Math.round(median)} bytes (median of ${rounds}; rounds ${perConnection.map(Math.round).join(', ')})`,
);
console.log(
  `  setTimeout calls while ${n} watches were created: ${timersArmed} (one expiry heap, one key-set refresh)`,
);
await server.close();
process.exit(0);
