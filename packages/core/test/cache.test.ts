import { createVerifier, isAuthError } from '@tokengate/core';
import { createTestIssuer, type TestIssuer } from '@tokengate/core/testing';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { TokenCache } from '../src/cache.js';

let idp: TestIssuer;
beforeAll(async () => {
  idp = await createTestIssuer({ alg: 'HS256' });
});
afterEach(() => {
  vi.useRealTimers();
});

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
    const first = await verifier.verify(a);
    expect(await verifier.verify(a)).toBe(first);
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
    cache.set(`header.payloadA.${suffix}`, { who: 'a' } as never, { now: 0, from: 0, until: 100 }, 0, 0);
    expect(cache.get(`header.payloadB.${suffix}`, 1, () => 0)).toBeUndefined();
    expect(cache.get(`header.payloadA.${suffix}`, 1, () => 0)).toEqual({ who: 'a' });
  });

  it('honours the cache maxAge even for long-lived tokens', () => {
    const cache = new TokenCache(10, 60);
    const auth = { subject: 'x' } as never;
    cache.set('t', auth, { now: 1000, from: 0, until: 1_000_000 }, 1, 0);
    expect(cache.get('t', 1059, () => 1)).toBe(auth);
    expect(cache.get('t', 1060, () => 1)).toBeUndefined();
  });

  it('does not serve before nbf − tolerance', () => {
    const cache = new TokenCache(10, 600);
    const auth = { subject: 'x' } as never;
    cache.set('t', auth, { now: 1000, from: 1010, until: 2000 }, 1, 0);
    expect(cache.get('t', 1005, () => 1)).toBeUndefined();
    expect(cache.get('t', 1010, () => 1)).toBe(auth);
  });

  it('drops entries verified against an older key-set version', () => {
    const cache = new TokenCache(10, 600);
    cache.set('t', {} as never, { now: 1000, from: 0, until: 2000 }, 1, 0);
    expect(cache.get('t', 1001, () => 2)).toBeUndefined();
    expect(cache.get('t', 1001, () => 1)).toBeDefined();
  });

  it('is bounded by entries, and keeps recently used entries over unused ones', () => {
    const cache = new TokenCache(100, 600);
    const w = { now: 0, from: 0, until: 100 };
    cache.set('t0', { i: 0 } as never, w, 0, 0);
    for (let i = 1; i < 1000; i++) {
      cache.set(`t${i}`, { i } as never, w, 0, 0);
      expect(cache.get('t0', 1, () => 0)).toEqual({ i: 0 });
      expect(cache.size).toBeLessThanOrEqual(100);
    }
    expect(cache.get('t1', 1, () => 0)).toBeUndefined();
    expect(cache.get('t500', 1, () => 0)).toBeUndefined();
    expect(cache.get('t999', 1, () => 0)).toEqual({ i: 999 });
  });

  it('is bounded by memory', () => {
    const cache = new TokenCache(1_000_000, 600, 100_000);
    for (let i = 0; i < 1000; i++)
      cache.set(`${'x'.repeat(1000)}.${i}`, {} as never, { now: 0, from: 0, until: 100 }, 0, 0);
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

  it('refuses bad cache options at start-up', () => {
    expect(() => createVerifier({ secret: idp.secret!, cache: { maxEntries: 0 } })).toThrow(TypeError);
    expect(() => createVerifier({ secret: idp.secret!, cache: { maxAge: 'forever' } })).toThrow(TypeError);
    expect(() => createVerifier({ secret: idp.secret!, cache: { size: 5 } as never })).toThrow(
      /unknown option "size"/,
    );
  });
});
