/**
 * watchMcpSession: a session held to its token through core's watchAuth, with real signatures, a
 * real JWKS server, a real revocation store and real timers (tokens a second or two from expiry).
 * The end to end proof, with the SDK's client, two server instances and Redis, is
 * examples/mcp/test/mcp-sessions.e2e.test.ts.
 */
import type { AuthInfo } from '@modelcontextprotocol/server';
import { createMemoryRevocationStore, type WatchEndReason } from '@tokengate/core';
import { createTestIssuer, type TestIssuer, type TestIssuerServer } from '@tokengate/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mcpTokenVerifier, watchMcpSession } from '../src/index.js';

const RESOURCE = 'https://mcp.example.com/mcp';
let idp: TestIssuer;
let server: TestIssuerServer;
beforeAll(async () => {
  idp = await createTestIssuer({ alg: 'ES256', audience: RESOURCE });
  server = await idp.listen();
});
afterAll(() => server.close());

const nowSeconds = () => Math.floor(Date.now() / 1000);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const payloadOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString());

function setUp() {
  const revocation = createMemoryRevocationStore();
  const verifier = mcpTokenVerifier({ issuer: server.issuer, resource: RESOURCE, revocation });
  const ends: WatchEndReason[] = [];
  const info = async (claims: Record<string, unknown> = {}, who = 'agent-1') =>
    verifier.verifyAccessToken(await idp.sign({ sub: who, client_id: who, ...claims }));
  const open = (authInfo: AuthInfo) =>
    watchMcpSession(verifier, authInfo, { onEnd: (reason) => ends.push(reason) });
  return { revocation, verifier, ends, info, open };
}

describe('watchMcpSession', () => {
  it('refuses, at the call, an AuthInfo its verifier did not make and a missing onEnd (TypeError)', async () => {
    const { verifier, info } = setUp();
    const other = mcpTokenVerifier({ issuer: server.issuer, resource: RESOURCE });
    const foreign = await other.verifyAccessToken(await idp.sign({ sub: 'x' }));
    const lookalike = { ...foreign, extra: { ...foreign.extra } };
    for (const authInfo of [foreign, lookalike, undefined])
      expect(() => watchMcpSession(verifier, authInfo as AuthInfo, { onEnd() {} })).toThrow(TypeError);
    const mine = await info();
    expect(() => watchMcpSession(verifier, mine, {} as never)).toThrow(TypeError);
    expect(() => watchMcpSession(verifier, mine, undefined as never)).toThrow(TypeError);
  });

  it('ends at exp with "expired", within a second after it', async () => {
    const { ends, info, open } = setUp();
    const exp = nowSeconds() + 2;
    open(await info({ exp }));
    while (ends.length === 0 && Date.now() < exp * 1000 + 2000) await sleep(20);
    expect(ends).toEqual(['expired']);
    expect(Date.now() - exp * 1000).toBeLessThan(1000);
  });

  it('ends on revocation with "revoked"; stop() means onEnd is never called', async () => {
    const { revocation, ends, info, open } = setUp();
    const revoked = await info();
    open(revoked);
    const stopped = await info();
    open(stopped).stop();
    await revocation.revoke(payloadOf(stopped.token).jti, payloadOf(stopped.token).exp);
    await revocation.revoke(payloadOf(revoked.token).jti, payloadOf(revoked.token).exp);
    await sleep(50);
    expect(ends).toEqual(['revoked']);
  });

  it('renew: the same principal with a fresh token continues the session and moves the watch to it', async () => {
    const { revocation, ends, info, open } = setUp();
    const exp = nowSeconds() + 1;
    const first = await info({ exp });
    const session = open(first);
    const fresh = await info({ exp: nowSeconds() + 60 });
    expect(session.renew(fresh)).toBe(true);
    expect(session.renew(fresh)).toBe(true); // the same token again changes nothing
    await sleep(exp * 1000 + 1200 - Date.now());
    expect(ends).toEqual([]); // the first token's exp passed: the session lives on the fresh one
    await revocation.revoke(payloadOf(first.token).jti, payloadOf(first.token).exp);
    await sleep(50);
    expect(ends).toEqual([]); // the token it left behind no longer holds it
    await revocation.revoke(payloadOf(fresh.token).jti, payloadOf(fresh.token).exp);
    await sleep(50);
    expect(ends).toEqual(['revoked']);
    expect(session.renew(await info())).toBe(false); // ended: no token brings it back
  });

  it('stop() after a renew stops the watch of the token it moved to; onEnd is called once at most', async () => {
    const { revocation, ends, info, open } = setUp();
    const first = await info();
    const fresh = await info();
    const session = open(first);
    expect(session.renew(fresh)).toBe(true);
    session.stop();
    for (const token of [first.token, fresh.token])
      await revocation.revoke(payloadOf(token).jti, payloadOf(token).exp);
    await sleep(50);
    expect(ends).toEqual([]);
    const other = await info();
    open(other);
    await revocation.revoke(payloadOf(other.token).jti, payloadOf(other.token).exp);
    await revocation.revokeSubject('agent-1', new Date(Date.now() + 1000));
    await sleep(50);
    expect(ends).toEqual(['revoked']);
  });

  it("renew: another subject, another client, another verifier's AuthInfo, or none is refused and changes nothing", async () => {
    const { revocation, ends, info, open } = setUp();
    const first = await info();
    const session = open(first);
    const otherSubject = await info({ client_id: 'agent-1' }, 'agent-2');
    const otherClient = await info({ sub: 'agent-1' }, 'agent-3');
    const noClient = await info({ client_id: undefined });
    const foreign = await mcpTokenVerifier({ issuer: server.issuer, resource: RESOURCE }).verifyAccessToken(
      await idp.sign({ sub: 'agent-1', client_id: 'agent-1' }),
    );
    for (const authInfo of [otherSubject, otherClient, noClient, foreign, undefined])
      expect(session.renew(authInfo)).toBe(false);
    // A token naming neither subject nor client identifies nobody: only that very token continues.
    const anonymous = await info({ sub: undefined, client_id: undefined });
    const bound = open(anonymous);
    expect(bound.renew(await info({ sub: undefined, client_id: undefined }))).toBe(false);
    expect(bound.renew(anonymous)).toBe(true);
    bound.stop();
    // The watch still follows the first token.
    await revocation.revoke(payloadOf(first.token).jti, payloadOf(first.token).exp);
    await sleep(50);
    expect(ends).toEqual(['revoked']);
  });
});
