import { calculateJwkThumbprint, exportJWK, generateKeyPair } from 'jose';
import { describe, expect, it } from 'vitest';
import { createVerifier } from '../../../src/index.js';
import { normalizeHtu, requestHtu } from '../../../src/oauth/dpop/htu.js';
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
  ])('%s → %s', (input, output) => expect(normalizeHtu(input)).toBe(output));
  it.each(['/relative', 'ftp://x/y', 'https://u:p@api.example.com/', 'not a url'])('refuses %s', (input) =>
    expect(normalizeHtu(input)).toBeUndefined(),
  );
  it('builds the request URL from Host and TLS, or from publicUrl behind a proxy', () => {
    const request = (host?: string, secure = false) => ({
      method: 'GET',
      url: '/orders?x=1',
      secure,
      header: (name: string) => (name === 'host' ? host : undefined),
      raw: {},
    });
    expect(requestHtu(request('api.test:8080'), undefined)).toBe('http://api.test:8080/orders');
    expect(requestHtu(request('api.test', true), undefined)).toBe('https://api.test/orders');
    expect(requestHtu(request(undefined), undefined)).toBeUndefined();
    expect(requestHtu(request('evil.test/x'), undefined)).toBeUndefined();
    expect(requestHtu(request('internal:3000'), new URL('https://api.example.com/v1/'))).toBe(
      'https://api.example.com/v1/orders',
    );
  });
});

describe('memory replay store', () => {
  it('marks once, forgets after the lifetime, and refuses rather than forgets when full', () => {
    let now = 0;
    const store = createMemoryReplayStore({ maxEntries: 2, now: () => now });
    expect(store.markUsed('a', 10)).toBe(true);
    expect(store.markUsed('a', 10)).toBe(false);
    expect(store.markUsed('b', 10)).toBe(true);
    expect(() => store.markUsed('c', 10)).toThrow(/full/);
    now = 10_001;
    expect(store.markUsed('c', 10)).toBe(true);
    expect(store.markUsed('a', 10)).toBe(true);
    expect(store.size).toBe(2);
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
    [true as never, undefined],
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
