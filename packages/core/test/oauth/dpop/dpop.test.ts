import { calculateJwkThumbprint, exportJWK, generateKeyPair } from 'jose';
import { describe, expect, it } from 'vitest';
import { createVerifier } from '../../../src/index.js';
import { normalizeHtu, requestHtus } from '../../../src/oauth/dpop/htu.js';
import { createNonceSource } from '../../../src/oauth/dpop/nonce.js';
import { resolveDpop } from '../../../src/oauth/dpop/options.js';
import { createMemoryReplayStore } from '../../../src/oauth/dpop/replay.js';
import { jwkThumbprint, requiredMembers } from '../../../src/oauth/dpop/thumbprint.js';

describe('RFC 7638 thumbprints', () => {
  it.each(['ES256', 'ES384', 'ES512', 'RS256', 'EdDSA'] as const)('equal jose’s for %s keys', async (alg) => {
    const { publicKey } = await generateKeyPair(alg, { extractable: true });
    const jwk = { ...(await exportJWK(publicKey)), kid: 'ignored', use: 'sig' };
    expect(await jwkThumbprint(requiredMembers(jwk)!)).toBe(await calculateJwkThumbprint(jwk, 'sha256'));
  });
  it('give the RFC 7638 §3.1 example’s thumbprint', async () => {
    const jwk = {
      kty: 'RSA',
      n: '0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw',
      e: 'AQAB',
      alg: 'RS256',
      kid: '2011-04-29',
    };
    expect(await jwkThumbprint(requiredMembers(jwk)!)).toBe('NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs');
  });
  it('refuses symmetric and incomplete keys', () => {
    expect(requiredMembers({ kty: 'oct', k: 'AAAA' })).toBeUndefined();
    expect(requiredMembers({ kty: 'EC', crv: 'P-256', x: 'AAAA' })).toBeUndefined();
    expect(requiredMembers({ kty: 'toString' })).toBeUndefined();
  });
});

describe('htu normalisation (RFC 9449 §4.3 step 9, RFC 3986 §6.2.2-6.2.3)', () => {
  it.each([
    ['HTTPS://API.Example.COM:443/a/b?q=1#f', 'https://api.example.com/a/b'],
    ['http://api.example.com:80', 'http://api.example.com/'],
    ['https://api.example.com/%7euser/%2fx/./y/../z', 'https://api.example.com/~user/%2Fx/z'],
    ['https://api.example.com:8443/a', 'https://api.example.com:8443/a'],
    // Issue 26 finding 3: percent-encoding case is normalised whatever the case of each digit.
    ['https://api.example.com/x%aF', 'https://api.example.com/x%AF'],
    ['https://api.example.com/x%Af/%c3%A9', 'https://api.example.com/x%AF/%C3%A9'],
  ])('%s → %s', (input, output) => expect(normalizeHtu(input)).toBe(output));
  it.each(['/relative', 'ftp://x/y', 'https://u:p@api.example.com/', 'not a url'])('refuses %s', (input) =>
    expect(normalizeHtu(input)).toBeUndefined(),
  );
  it('builds the request URL from the configured bases and the request path only (issue 26 finding 1)', () => {
    const request = (url: string, host?: string, secure = false) => ({
      method: 'GET',
      url,
      secure,
      header: (name: string) => (name === 'host' ? host : undefined),
      raw: {},
    });
    const bases = [new URL('https://api.example.com/v1/'), new URL('http://localhost:3000')];
    const both = ['https://api.example.com/v1/orders', 'http://localhost:3000/orders'];
    // Host, TLS and an absolute-form request line change nothing.
    expect(requestHtus(request('/orders?x=1', 'evil.test', true), bases)).toEqual(both);
    expect(requestHtus(request('http://evil.test/orders?x=1', 'evil.test'), bases)).toEqual(both);
    expect(requestHtus(request('https://evil.test:8443/orders'), bases)).toEqual(both);
    expect(requestHtus(request('http://evil.test?x=1'), bases)).toEqual([
      'https://api.example.com/v1/',
      'http://localhost:3000/',
    ]);
    expect(requestHtus(request('*'), bases)).toBeUndefined();
    expect(requestHtus(request('evil.test:443'), bases)).toBeUndefined();
  });
});

describe('memory replay store', () => {
  it('marks once and forgets after the lifetime', () => {
    let now = 0;
    const store = createMemoryReplayStore({ maxEntries: 2, now: () => now });
    expect(store.markUsed('a', 10, { key: 'A', iat: 0 })).toBe(true);
    expect(store.markUsed('a', 10, { key: 'A', iat: 0 })).toBe(false);
    expect(store.markUsed('b', 10, { key: 'A', iat: 0 })).toBe(true);
    now = 10_001;
    expect(store.markUsed('c', 10, { key: 'A', iat: 10 })).toBe(true);
    expect(store.markUsed('a', 10, { key: 'A', iat: 10 })).toBe(true);
    expect(store.size).toBe(2);
  });

  // Issue 26 finding 2: a full store used to refuse everyone (503) while one key flooded it.
  it('when full, forgets the flooding key’s oldest proof and refuses that key’s proofs up to it; other keys pass', () => {
    let now = 1_000_000;
    const store = createMemoryReplayStore({ maxEntries: 4, now: () => now });
    for (let i = 0; i < 4; i++) expect(store.markUsed(`A:${i}`, 305, { key: 'A', iat: 1000 + i })).toBe(true);
    // Another key gets in: A (the largest) loses A:0, and its floor rises to iat 1000.
    expect(store.markUsed('B:0', 305, { key: 'B', iat: 1003 })).toBe(true);
    expect(store.size).toBe(4);
    expect(store.markUsed('A:0', 305, { key: 'A', iat: 1000 })).toBe(false); // the forgotten proof
    expect(store.markUsed('A:new-old', 305, { key: 'A', iat: 1000 })).toBe(false); // as old: maybe forgotten
    expect(store.markUsed('B:1', 305, { key: 'B', iat: 999 })).toBe(true); // B's window is whole
    // A keeps flooding: each new proof of A costs A's oldest, never B's.
    for (let i = 4; i < 40; i++)
      expect(store.markUsed(`A:${i}`, 305, { key: 'A', iat: 1000 + i })).toBe(true);
    expect(store.markUsed('B:0', 305, { key: 'B', iat: 1003 })).toBe(false); // B's proofs still remembered
    expect(store.markUsed('B:1', 305, { key: 'B', iat: 999 })).toBe(false);
    for (let i = 0; i < 38; i++)
      expect(store.markUsed(`A:${i}`, 305, { key: 'A', iat: 1000 + i })).toBe(false);
    expect(store.markUsed('C:0', 305, { key: 'C', iat: 1 })).toBe(true);
    // Once the forgotten proofs' lifetime is over, A's floor no longer applies.
    now += 306_000;
    expect(store.markUsed('A:x', 305, { key: 'A', iat: 1000 })).toBe(true);
  });

  it('without proof details, fails closed for identifiers it had to forget', () => {
    const store = createMemoryReplayStore({ maxEntries: 1, now: () => 0 });
    expect(store.markUsed('a', 10)).toBe(true);
    expect(store.markUsed('b', 10)).toBe(true);
    expect(store.markUsed('a', 10)).toBe(false);
    expect(store.markUsed('c', 10)).toBe(false);
  });
});

describe('server nonces', () => {
  it('accepts the current and the previous period, refuses older and forged ones', async () => {
    let now = 1_000_000_000;
    const source = createNonceSource({ secret: 'x'.repeat(32), lifetime: 60, now: () => now })!;
    const first = await source.current();
    expect(await source.check(first)).toBe(true);
    now += 60_000;
    expect(await source.check(first)).toBe(true);
    expect(await source.current()).not.toBe(first);
    now += 60_000;
    expect(await source.check(first)).toBe(false);
    const other = createNonceSource({ secret: 'y'.repeat(32), lifetime: 60, now: () => now })!;
    expect(await source.check(await other.current())).toBe(false);
    expect(await source.check('zz.AAAAAAAAAAAAAAAAAAAAAA')).toBe(false);
  });
});

describe('dpop option', () => {
  it.each([
    [{ publicUrl: 'https://api.test' }, undefined],
    [{ publicUrl: ['https://api.test', new URL('https://api.example.test/v1')] }, undefined],
    [true as never, /needs "dpop.publicUrl"/],
    [{ publicUrl: [] }, /empty list/],
    [{ publicUrl: ['https://api.test', 'ftp://x'] }, /publicUrl/],
    ['sometimes', /dpop/],
    [{ algorithms: ['HS256'] }, /asymmetric/],
    [{ algorithms: [] }, /asymmetric/],
    [{ maxAge: -1 }, /maxAge/],
    [{ replay: {} }, /ReplayStore/],
    [{ publicUrl: 'https://api.test/?x' }, /publicUrl/],
    [{ nonce: { secret: 'short' } }, /32 bytes/],
    [{ bogus: 1 }, /unknown option "dpop.bogus"/],
  ])('%j', (option, error) => {
    if (error === undefined) expect(resolveDpop(option)).toBeDefined();
    else expect(() => createVerifier({ secret: 'x'.repeat(32), dpop: option as never })).toThrow(error);
  });
});
