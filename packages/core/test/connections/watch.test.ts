/**
 * watchAuth (connections/): a held connection ends at `exp`, on revocation, when its key is
 * withdrawn, and never after it was stopped; only a context a verifier built can be watched.
 * Real signatures, a real JWKS server, real timers (tokens a second or two from expiry).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { watchCount } from '../../src/connections/watchers.js';
import {
  type AuthContext,
  createMemoryRevocationStore,
  createVerifier,
  type RevocationChange,
  type RevocationStore,
  selectSubprotocol,
  type WatchEndReason,
  watchAuth,
} from '../../src/index.js';
import { createTestIssuer } from '../../src/testing/index.js';

const hs = await createTestIssuer({ alg: 'HS256', issuer: 'https://idp.test/' });
const now = () => Math.floor(Date.now() / 1000);

/** Resolves with the reason and the milliseconds since `since` when `onEnd` runs. */
function watched(auth: AuthContext<any>) {
  let stop!: () => void;
  const ended = new Promise<{ reason: WatchEndReason; at: number }>((resolve) => {
    stop = watchAuth(auth, { onEnd: (reason) => resolve({ reason, at: Date.now() }) });
  });
  return { ended, stop };
}

describe('watchAuth', () => {
  it('ends at exp, within a second after it (reason expired)', async () => {
    const verifier = createVerifier({ secret: hs.secret!, issuer: hs.issuer });
    const exp = now() + 2;
    const auth = await verifier.verify(await hs.sign({ sub: 'alice', exp }));
    const { ended } = watched(auth);
    const { reason, at } = await ended;
    expect(reason).toBe('expired');
    expect(at).toBeGreaterThanOrEqual(exp * 1000);
    expect(at).toBeLessThan(exp * 1000 + 1000);
  });

  it('never calls onEnd after stop, and holds nothing afterwards', async () => {
    const verifier = createVerifier({ secret: hs.secret!, issuer: hs.issuer });
    const before = watchCount();
    const auth = await verifier.verify(await hs.sign({ sub: 'alice', exp: now() + 1 }));
    let calls = 0;
    const stop = watchAuth(auth, { onEnd: () => calls++ });
    expect(watchCount()).toBe(before + 1);
    stop();
    stop();
    expect(watchCount()).toBe(before);
    await new Promise((resolve) => setTimeout(resolve, 1600));
    expect(calls).toBe(0);
  });

  it('ends on revocation by jti or by subject, through the store itself (reason revoked)', async () => {
    const revocation = createMemoryRevocationStore();
    const verifier = createVerifier({ secret: hs.secret!, issuer: hs.issuer, revocation });
    const a = await verifier.verify(await hs.sign({ sub: 'alice', jti: 'a-1' }));
    const b = await verifier.verify(await hs.sign({ sub: 'bob', jti: 'b-1', iat: now() - 10 }));
    const other = await verifier.verify(await hs.sign({ sub: 'carol', jti: 'c-1' }));
    const wa = watched(a);
    const wb = watched(b);
    let otherEnded = false;
    const stopOther = watchAuth(other, { onEnd: () => (otherEnded = true) });
    const t0 = Date.now();
    await revocation.revoke('a-1', a.expiresAt!);
    expect((await wa.ended).reason).toBe('revoked');
    await revocation.revokeSubject('bob');
    expect((await wb.ended).reason).toBe('revoked');
    expect(Date.now() - t0).toBeLessThan(100);
    expect(otherEnded).toBe(false);
    stopOther();
  });

  it('ends a connection revoked between the verification and the watch', async () => {
    const revocation = createMemoryRevocationStore();
    const verifier = createVerifier({ secret: hs.secret!, issuer: hs.issuer, revocation });
    const auth = await verifier.verify(await hs.sign({ jti: 'early' }));
    await revocation.revoke('early', auth.expiresAt!);
    expect((await watched(auth).ended).reason).toBe('revoked');
  });

  it('counts any claim a store names: a change keyed by sid reaches the watches carrying it', async () => {
    // A store that also revokes sessions (as back-channel logout does) needs nothing from the
    // watcher: it announces { claim: 'sid' } and its own isRevoked decides.
    const memory = createMemoryRevocationStore();
    const sessions = new Set<string>();
    const listeners = new Set<(change: RevocationChange) => void>();
    const store: RevocationStore = {
      revoke: memory.revoke,
      revokeSubject: memory.revokeSubject,
      isRevoked: (auth) => sessions.has(auth.payload.sid as string) || (memory.isRevoked(auth) as boolean),
      subscribe(listener) {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
    };
    const verifier = createVerifier({ secret: hs.secret!, issuer: hs.issuer, revocation: store });
    const s1 = await verifier.verify(await hs.sign({ sid: 's1' }));
    const s2 = await verifier.verify(await hs.sign({ sid: 's2' }));
    const w1 = watched(s1);
    let ended2 = false;
    const stop2 = watchAuth(s2, { onEnd: () => (ended2 = true) });
    sessions.add('s1');
    for (const listener of listeners) listener({ claim: 'sid', value: 's1' });
    expect((await w1.ended).reason).toBe('revoked');
    expect(ended2).toBe(false);
    stop2();
    expect(listeners.size).toBe(0);
  });

  it('refuses what a verifier did not build: a copy, a look-alike, nothing', async () => {
    const verifier = createVerifier({ secret: hs.secret!, issuer: hs.issuer });
    const auth = await verifier.verify(await hs.sign({}));
    const onEnd = () => {};
    expect(() => watchAuth({ ...auth }, { onEnd })).toThrow(TypeError);
    expect(() => watchAuth(Object.create(Object.getPrototypeOf(auth)), { onEnd })).toThrow(TypeError);
    expect(() => watchAuth(undefined as never, { onEnd })).toThrow(TypeError);
    expect(() => watchAuth(auth, {} as never)).toThrow(TypeError);
  });

  it('ends when the key is withdrawn from the JWKS, not when a new key joins it', async () => {
    const idp = await createTestIssuer({ alg: 'ES256' });
    const server = await idp.listen();
    try {
      const verifier = createVerifier({
        jwksUri: server.jwksUri,
        issuer: idp.issuer,
        cacheMaxAge: '1s',
        cooldownDuration: '1s',
        onKeySourceEvent: false,
      });
      const auth = await verifier.verify(await idp.sign({ sub: 'alice' }));
      const w = watched(auth);
      let reason: WatchEndReason | undefined;
      void w.ended.then((r) => (reason = r.reason));
      await idp.rotate({ keep: true });
      await new Promise((resolve) => setTimeout(resolve, 2500));
      expect(reason).toBeUndefined();
      await idp.rotate({ keep: false });
      const t0 = Date.now();
      expect((await w.ended).reason).toBe('key_withdrawn');
      expect(Date.now() - t0).toBeLessThan(2500);
    } finally {
      await server.close();
    }
  });
});

describe('selectSubprotocol', () => {
  it('never answers with the token entry', () => {
    expect(selectSubprotocol(['bearer.abc', 'chat'], 'bearer.')).toBe('chat');
    expect(selectSubprotocol(new Set(['bearer.abc']), 'bearer.')).toBe(false);
    expect(selectSubprotocol(['x', 'chat', 'bearer.t'], 'bearer.', ['chat'])).toBe('chat');
  });
});

afterAll(() => {
  expect(watchCount()).toBe(0);
});
