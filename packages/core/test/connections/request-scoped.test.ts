/**
 * watchAuth where I/O belongs to a request (workerd; examples/runtimes runs it there for real):
 * each watch arms its own timer and reaches `onEnd` through a promise made where it was started.
 * Here, in Node, a stubbed `navigator.userAgent` stands in for workerd, and the same connections
 * are watched both ways at once: the request-scoped path ends each one exactly as the process-wide
 * deadline heap does (same reason, same window after `exp`), while arming one timer per watch.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { watchCount } from '../../src/connections/watchers.js';
import {
  type AuthContext,
  createMemoryRevocationStore,
  createVerifier,
  type WatchEndReason,
  watchAuth,
} from '../../src/index.js';
import { createTestIssuer } from '../../src/testing/index.js';

const hs = await createTestIssuer({ alg: 'HS256', issuer: 'https://idp.test/' });
const now = () => Math.floor(Date.now() / 1000);

/** Runs `fn` as on workerd (`navigator.userAgent` is `'Cloudflare-Workers'`), or as on Node. */
function asRuntime<T>(scoped: boolean, fn: () => T): T {
  if (scoped) vi.stubGlobal('navigator', { userAgent: 'Cloudflare-Workers' });
  try {
    return fn();
  } finally {
    vi.unstubAllGlobals();
  }
}

interface Outcome {
  reason: WatchEndReason | 'open';
  at: number;
}

afterEach(() => vi.restoreAllMocks());

describe('watchAuth on a request-scoped runtime', () => {
  it('ends every connection as the shared heap does: same reason, within a second after exp', async () => {
    const revocation = createMemoryRevocationStore();
    const verifier = createVerifier({ secret: hs.secret!, issuer: hs.issuer, revocation });
    const t = now();
    // exp 1–2 s ahead; every third revoked, every fourth stopped by the app, the last one 5 min ahead.
    const plan = Array.from({ length: 24 }, (_, i) => ({
      id: `c${i}`,
      exp: i === 23 ? t + 300 : t + 1 + (i % 2),
      revoke: i % 3 === 0,
      stop: i % 4 === 1,
    }));
    const contexts: AuthContext<any>[] = [];
    for (const p of plan) {
      contexts.push(await verifier.verify(await hs.sign({ jti: p.id, sub: p.id, exp: p.exp })));
    }
    const outcomes = { heap: new Map<string, Outcome>(), scoped: new Map<string, Outcome>() };
    const stops: (() => void)[] = [];
    const timers = vi.spyOn(globalThis, 'setTimeout');
    const armed = { heap: 0, scoped: 0 };
    for (const scoped of [false, true]) {
      const into = scoped ? outcomes.scoped : outcomes.heap;
      const before = timers.mock.calls.length;
      for (const [i, p] of plan.entries()) {
        into.set(p.id, { reason: 'open', at: 0 });
        const stop = asRuntime(scoped, () =>
          watchAuth(contexts[i]!, { onEnd: (reason) => into.set(p.id, { reason, at: Date.now() }) }),
        );
        if (p.stop) stop();
        else stops.push(stop);
      }
      armed[scoped ? 'scoped' : 'heap'] = timers.mock.calls.length - before;
    }
    // The heap arms one timer for all of them; the request-scoped path one per watch.
    expect(armed.heap).toBeLessThanOrEqual(1);
    expect(armed.scoped).toBe(plan.length);
    vi.restoreAllMocks();

    for (const p of plan) if (p.revoke && !p.stop) await revocation.revoke(p.id, t + 60);
    await new Promise((resolve) => setTimeout(resolve, (t + 3) * 1000 - Date.now() + 100));

    for (const p of plan) {
      const heap = outcomes.heap.get(p.id)!;
      const scoped = outcomes.scoped.get(p.id)!;
      const expected = p.stop ? 'open' : p.revoke ? 'revoked' : p.exp < t + 60 ? 'expired' : 'open';
      expect([p.id, heap.reason, scoped.reason]).toEqual([p.id, expected, expected]);
      if (expected === 'expired') {
        for (const { at } of [heap, scoped]) {
          expect(at).toBeGreaterThanOrEqual(p.exp * 1000);
          expect(at).toBeLessThan(p.exp * 1000 + 1000);
        }
      }
    }
    for (const stop of stops) stop();
    expect(watchCount()).toBe(0);
  });

  it('never calls onEnd once stopped, even when the end was already on its way', async () => {
    const revocation = createMemoryRevocationStore();
    const verifier = createVerifier({ secret: hs.secret!, issuer: hs.issuer, revocation });
    const auth = await verifier.verify(await hs.sign({ jti: 'racing', exp: now() + 60 }));
    let calls = 0;
    const stop = asRuntime(true, () => watchAuth(auth, { onEnd: () => calls++ }));
    // The store tells its listeners during revoke; the end is delivered on a later turn.
    const revoked = revocation.revoke('racing', now() + 60);
    stop();
    await revoked;
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(calls).toBe(0);
    expect(watchCount()).toBe(0);

    // Unstopped, the same revocation reaches onEnd once.
    const again = await verifier.verify(await hs.sign({ jti: 'second', exp: now() + 60 }));
    const reasons: WatchEndReason[] = [];
    asRuntime(true, () => watchAuth(again, { onEnd: (reason) => reasons.push(reason) }));
    await revocation.revoke('second', now() + 60);
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(reasons).toEqual(['revoked']);
  });

  it('ends on a key withdrawal as the shared listener does, each watch refreshing on its own', async () => {
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
      const ends: Record<string, WatchEndReason[]> = { heap: [], first: [], scoped: [] };
      const watch = (into: WatchEndReason[], scoped: boolean) =>
        asRuntime(scoped, () => watchAuth(auth, { onEnd: (reason) => into.push(reason) }));
      watch(ends.heap!, false);
      // The first request-scoped watch stops early: the others keep refreshing the set.
      const stopFirst = watch(ends.first!, true);
      watch(ends.scoped!, true);
      stopFirst();
      await idp.rotate({ keep: true });
      await new Promise((resolve) => setTimeout(resolve, 2500));
      expect(ends).toEqual({ heap: [], first: [], scoped: [] });
      await idp.rotate({ keep: false });
      await new Promise((resolve) => setTimeout(resolve, 2500));
      expect(ends).toEqual({ heap: ['key_withdrawn'], first: [], scoped: ['key_withdrawn'] });
      expect(watchCount()).toBe(0);
    } finally {
      await server.close();
    }
  });
});
