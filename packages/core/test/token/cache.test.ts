import { createVerifier, isAuthError } from '@tokengate/core';
import { createTestIssuer, type TestIssuer } from '@tokengate/core/testing';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { TokenCache } from '../../src/token/cache.js';

let idp: TestIssuer;
beforeAll(async () => {
  idp = await createTestIssuer({ alg: 'HS256' });
});
afterEach(() => {
  vi.useRealTimers();
});

/** Stores a stand-in context under `token`, as the verifier does after a fresh verify. */
function put(
  cache: TokenCache,
  token: string,
  auth: object,
  now: number,
  payload: Record<string, number> = {},
  policy: { tolerance?: number; maxTokenAge?: number } = {},
  keys: { source?: object; key?: object } = {},
): never {
  const profile = {
    policy: { tolerance: 0, maxTokenAge: undefined, ...policy },
    keys: keys.source ?? { fixed: true },
  };
  // Twice: a token is admitted on its second verification.
  for (let i = 0; i < 2; i++) {
    cache.set(
      token,
      { header: { alg: 'HS256' }, payload, profile } as never,
      auth as never,
      (keys.key ?? {}) as never,
      now,
    );
  }
  return auth as never;
}

const reason = (p: Promise<unknown>) =>
  p.then(
    () => 'ok',
    (e) => (isAuthError(e) ? e.reason : Promise.reject(e)),
  );

describe('verified-token cache', () => {
  it('returns the same context for a repeated token, and a different one for every other token', async () => {
    const verifier = createVerifier({ secret: idp.secret! });
    const a = await idp.sign({ sub: 'a' });
    const b = await idp.sign({ sub: 'b' });
    await verifier.verify(a); // first use: verified, only its fingerprint is remembered
    const second = await verifier.verify(a); // second use: admitted
    expect(await verifier.verify(a)).toBe(second);
    expect((await verifier.verify(b)).subject).toBe('b');
    const uncached = createVerifier({ secret: idp.secret!, cache: false });
    expect(await uncached.verify(a)).not.toBe(await uncached.verify(a));
  });

  it('is keyed by the whole token: a token differing only in its signature is verified afresh', async () => {
    const verifier = createVerifier({ secret: idp.secret! });
    const token = await idp.sign({ sub: 'a' });
    await verifier.verify(token);
    const forged = `${token.slice(0, token.lastIndexOf('.') + 1)}${'A'.repeat(43)}`;
    expect(await reason(verifier.verify(forged))).toBe('bad_signature');
    const otherPayload = await idp.sign({ sub: 'b' }, { defect: 'tampered' });
    expect(await reason(verifier.verify(otherPayload))).toBe('bad_signature');
  });

  it('never serves an entry past exp (with the same tolerance as a fresh verify)', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const now = Math.floor(Date.now() / 1000);
    const verifier = createVerifier({ secret: idp.secret!, clockTolerance: 5 });
    const token = await idp.sign({}, { issuedAt: now, expiresIn: 60 });
    expect(await reason(verifier.verify(token))).toBe('ok');
    vi.setSystemTime((now + 64) * 1000);
    expect(await reason(verifier.verify(token))).toBe('ok');
    vi.setSystemTime((now + 65) * 1000);
    expect(await reason(verifier.verify(token))).toBe('expired');
  });

  it('never serves a token that only shares the indexed suffix with a cached one', () => {
    const cache = new TokenCache(10, 600);
    const suffix = 'S'.repeat(40);
    put(cache, `header.payloadA.${suffix}`, { who: 'a' }, 0);
    expect(cache.lookup(`header.payloadB.${suffix}`, 1)).toBeUndefined();
    expect(cache.lookup(`header.payloadA.${suffix}`, 1)).toEqual({ who: 'a' });
  });

  it('admits a token on its second verification, so tokens used once cost no entry', () => {
    const cache = new TokenCache(10, 600);
    const checked = {
      header: { alg: 'HS256' },
      payload: {},
      profile: { policy: { tolerance: 0 }, keys: { fixed: true } },
    };
    for (let i = 0; i < 100; i++)
      cache.set(`once.${'s'.repeat(20)}.${i}`, checked as never, {} as never, {} as never, 0);
    expect(cache.size).toBe(0);
    cache.set('twice', checked as never, { who: 'twice' } as never, {} as never, 0);
    expect(cache.lookup('twice', 1)).toBeUndefined();
    cache.set('twice', checked as never, { who: 'twice' } as never, {} as never, 0);
    expect(cache.lookup('twice', 1)).toEqual({ who: 'twice' });
  });

  it('honours the cache maxAge even for long-lived tokens', () => {
    const cache = new TokenCache(10, 60);
    const auth = put(cache, 't', { subject: 'x' }, 1000, { exp: 1_000_000 });
    expect(cache.lookup('t', 1059)).toBe(auth);
    expect(cache.lookup('t', 1060)).toBeUndefined();
  });

  it('re-evaluates every time-dependent check on a hit, with the policy tolerance', () => {
    const cache = new TokenCache(10, 600);
    const auth = put(cache, 't', {}, 1000, { nbf: 1010, iat: 1000, exp: 1100 }, { tolerance: 5 });
    expect(cache.lookup('t', 1004.999)).toBeUndefined();
    expect(cache.lookup('t', 1005)).toBe(auth);
    expect(cache.lookup('t', 1104.999)).toBe(auth);
    expect(cache.lookup('t', 1105)).toBeUndefined();
    const aged = put(cache, 'a', {}, 1000, { iat: 1000, exp: 9999 }, { tolerance: 1, maxTokenAge: 10 });
    expect(cache.lookup('a', 1011)).toBe(aged);
    expect(cache.lookup('a', 1011.001)).toBeUndefined();
  });

  it('asks a source that is not fixed for the keys on every hit, and serves only while the verifying key is selected', async () => {
    const cache = new TokenCache(10, 600);
    const key = { kid: 'a' } as never;
    const other = { kid: 'b' } as never;
    let selected: unknown[] = [other, key];
    let calls = 0;
    const source = {
      fixed: false,
      keysFor: () => {
        calls++;
        return Promise.resolve(selected);
      },
    };
    const auth = put(cache, 't', {}, 0, {}, {}, { source, key });
    expect(await cache.lookup('t', 1)).toBe(auth);
    selected = [other];
    expect(await cache.lookup('t', 1)).toEqual([other]);
    expect(calls).toBe(2);
  });

  it('is bounded by entries, and keeps recently used entries over unused ones', () => {
    const cache = new TokenCache(100, 600);
    put(cache, 't0', { i: 0 }, 0);
    for (let i = 1; i < 1000; i++) {
      put(cache, `t${i}`, { i }, 0);
      expect(cache.lookup('t0', 1)).toEqual({ i: 0 });
      expect(cache.size).toBeLessThanOrEqual(100);
    }
    expect(cache.lookup('t1', 1)).toBeUndefined();
    expect(cache.lookup('t500', 1)).toBeUndefined();
    expect(cache.lookup('t999', 1)).toEqual({ i: 999 });
  });

  it('is bounded by memory', () => {
    const cache = new TokenCache(1_000_000, 600, 100_000);
    for (let i = 0; i < 1000; i++) put(cache, `${'x'.repeat(1000)}.${i}`, {}, 0);
    expect(cache.size).toBeLessThan(30);
    expect(cache.size).toBeGreaterThan(10);
  });

  it('does not cache failures: a token refused for an unknown key passes once the key is there', async () => {
    let known = false;
    const verifier = createVerifier({ secret: () => (known ? idp.secret : undefined) });
    const token = await idp.sign();
    expect(await reason(verifier.verify(token))).toBe('unknown_key');
    known = true;
    expect(await reason(verifier.verify(token))).toBe('ok');
  });

  it('the one bound: a withdrawn remote key verifies until the key set is due (cacheMaxAge), cached or not; during an outage until cacheMaxAge + staleIfError', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const remote = await createTestIssuer({ alg: 'ES256' });
    const server = await remote.listen();
    try {
      const options = { cacheMaxAge: '1m', staleIfError: '30s', cooldownDuration: '1s' };
      // Each verifier has a key set of its own (as two processes would), so neither heals the other.
      const cached = createVerifier({ ...options, jwksUri: `${server.jwksUri}?side=cached` });
      const uncached = createVerifier({
        ...options,
        jwksUri: `${server.jwksUri}?side=uncached`,
        cache: false,
      });
      const both = async (token: string) => [
        await reason(cached.verify(token)),
        await reason(uncached.verify(token)),
      ];
      const t0 = Date.now();
      const token = await remote.sign({ sub: 'a' }, { expiresIn: 3600 });
      for (let i = 0; i < 3; i++) expect(await both(token)).toEqual(['ok', 'ok']);

      await remote.rotate({ keep: false });
      vi.setSystemTime(t0 + 59_999);
      expect(await both(token)).toEqual(['ok', 'ok']); // the set is still fresh: the bound
      vi.setSystemTime(t0 + 60_000);
      expect(await both(token)).toEqual(['unknown_key', 'unknown_key']); // refreshed, hit or miss

      const t1 = Date.now(); // both sets were fetched at t1
      const next = await remote.sign({ sub: 'a' }, { expiresIn: 3600 });
      for (let i = 0; i < 3; i++) expect(await both(next)).toEqual(['ok', 'ok']);
      server.faults.set('down');
      vi.setSystemTime(t1 + 60_000 + 29_999);
      expect(await both(next)).toEqual(['ok', 'ok']); // stale keys, within staleIfError
      vi.setSystemTime(t1 + 60_000 + 30_000 + 1_000); // past staleIfError, out of the cooldown
      const refused = await Promise.allSettled([cached.verify(next), uncached.verify(next)]);
      expect(refused.map((r) => (r.status === 'rejected' ? r.reason.code : 'ok'))).toEqual([
        'key_source_unavailable',
        'key_source_unavailable',
      ]);
    } finally {
      await server.close();
    }
  });

  it('refuses bad cache options at start-up', () => {
    expect(() => createVerifier({ secret: idp.secret!, cache: { maxEntries: 0 } })).toThrow(TypeError);
    expect(() => createVerifier({ secret: idp.secret!, cache: { maxAge: 'forever' } })).toThrow(TypeError);
    expect(() => createVerifier({ secret: idp.secret!, cache: { size: 5 } as never })).toThrow(
      /unknown option "size"/,
    );
  });
});
