// Memory and timers per MCP session held to its token (issue 25; @tokengate/mcp's
// watchMcpSession over core's watchAuth). Verifies N distinct tokens (each with `jti`, `sub`,
// `client_id`, `exp` an hour away) through mcpTokenVerifier with a remote JWKS and a revocation
// store, so every session joins the expiry heap, the store's index and the key set's list; then
// measures the heap with and without N watched sessions (after a full GC), and counts the
// setTimeout calls made while they are created. The AuthInfos exist either way (the app's
// sessions hold them): the figure is what watchMcpSession adds per session, onEnd included.
// bench/connections.mjs gives the same figure for watchAuth alone.
//
//   pnpm build && node --expose-gc bench/mcp-sessions.mjs [--n 10000] [--rounds 5]
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
const mcp = await import(new URL('../packages/mcp/dist/index.js', import.meta.url).href);
const { createTestIssuer } = await import(
  new URL('../packages/core/dist/testing/index.js', import.meta.url).href
);

const resource = 'https://mcp.example.com/mcp';
const idp = await createTestIssuer({ alg: 'ES256', audience: resource });
const server = await idp.listen();
const verifier = mcp.mcpTokenVerifier({
  jwksUri: server.jwksUri,
  issuer: idp.issuer,
  resource,
  revocation: core.createMemoryRevocationStore(),
  cache: false,
  onKeySourceEvent: false,
});
const exp = Math.floor(Date.now() / 1000) + 3600;
const infos = [];
for (let i = 0; i < n; i++) {
  const who = `agent-${i % 1000}`;
  infos.push(
    await verifier.verifyAccessToken(await idp.sign({ sub: who, client_id: who, jti: `jti-${i}`, exp })),
  );
}

const {
  perWatch: perSession,
  median,
  timersArmed,
} = await measureWatches({
  n,
  rounds,
  start: () =>
    infos.map((info) => {
      const session = { closed: false };
      const watch = mcp.watchMcpSession(verifier, info, { onEnd: () => (session.closed = true) });
      return () => watch.stop();
    }),
});
console.log(`watchMcpSession: ${n} idle sessions (expiry, revocation store, remote key set watched)`);
console.log(
  `  heap per session: ${Math.round(median)} bytes (median of ${rounds}; rounds ${perSession.map(Math.round).join(', ')})`,
);
console.log(
  `  setTimeout calls while ${n} sessions were watched: ${timersArmed} (one expiry heap, one key-set refresh)`,
);
await server.close();
process.exit(0);
