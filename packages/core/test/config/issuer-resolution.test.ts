import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IssuerResolverCache, REFUSED_LIMIT, RESOLVED_LIMIT } from '../../src/config/issuer-resolver.js';
import { createVerifier, isAuthError, type TokengateOptions, type Verifier } from '../../src/index.js';
import {
  certificateKey,
  now,
  type Provider,
  type ProviderKey,
  providerKey,
  startProvider,
  TEST_CERTIFICATE,
} from '../presets/provider.js';

let idp: Provider;
let key: ProviderKey;
const JWKS = 'https://idp.example.com/keys';

beforeAll(async () => {
  idp = await startProvider();
  key = await providerKey('k1');
  idp.serve(JWKS, { keys: [key.jwk] });
});
afterAll(() => idp.close());

/** `200 <sub>` or `<status> <reason or code>`. */
async function answer(verifier: Verifier<any>, token: string): Promise<string> {
  try {
    const auth = await verifier.verify(token);
    return `200 ${auth.subject}`;
  } catch (error) {
    if (!isAuthError(error)) throw error;
    return `${error.status} ${error.reason ?? error.code}`;
  }
}

const verifierOf = (options: TokengateOptions) =>
  createVerifier({ fetch: idp.fetch, onKeySourceEvent: false, ...options });
const claims = (extra: Record<string, unknown>) => ({
  sub: 'u1',
  aud: 'api',
  exp: now() + 300,
  iat: now(),
  ...extra,
});

describe('issuers as a function', () => {
  it('is asked once per issuer, shares one call between concurrent tokens, and fetches only for its answers', async () => {
    const asked: string[] = [];
    const verifier = verifierOf({
      issuers: async ({ iss }) => {
        asked.push(iss);
        await new Promise((r) => setTimeout(r, 10));
        return iss.startsWith('https://tenant-') ? { jwksUri: JWKS, audience: 'api' } : undefined;
      },
    });
    const tokens = await Promise.all(
      ['a', 'a', 'b'].map((t) => key.sign(claims({ iss: `https://tenant-${t}.example.com/` }))),
    );
    const before = idp.total();
    expect(await Promise.all(tokens.map((t) => answer(verifier, t)))).toEqual(['200 u1', '200 u1', '200 u1']);
    expect(asked).toEqual(['https://tenant-a.example.com/', 'https://tenant-b.example.com/']);
    expect(await answer(verifier, tokens[0]!)).toBe('200 u1');
    expect(asked).toHaveLength(2);
    // both tenants share one key set: one fetch
    expect(idp.total() - before).toBe(1);
  });

  it('refuses an issuer it does not answer for with 401 issuer, fetching nothing, and remembers the refusal', async () => {
    let calls = 0;
    const verifier = verifierOf({
      issuers: () => {
        calls++;
        return undefined;
      },
    });
    const before = idp.total();
    const token = await key.sign(claims({ iss: 'https://made-up.example.com/' }));
    expect(await answer(verifier, token)).toBe('401 issuer');
    expect(await answer(verifier, token)).toBe('401 issuer');
    expect(calls).toBe(1);
    expect(await answer(verifier, await key.sign(claims({ iss: 42 })))).toBe('401 issuer');
    expect(idp.total() - before).toBe(0);
  });

  it("applies the answer's options (audience) and the top-level defaults", async () => {
    const verifier = verifierOf({ audience: 'api', issuers: () => ({ jwksUri: JWKS }) });
    const iss = 'https://tenant-c.example.com/';
    expect(await answer(verifier, await key.sign(claims({ iss })))).toBe('200 u1');
    expect(await answer(verifier, await key.sign(claims({ iss, aud: 'other' })))).toBe('401 audience');
    expect(await answer(verifier, await key.sign(claims({ iss, exp: now() - 60 })))).toBe('401 expired');
  });

  it('an answer naming another issuer accepts none of its tokens', async () => {
    const verifier = verifierOf({
      issuers: () => ({ issuer: 'https://elsewhere.example.com/', jwksUri: JWKS }),
    });
    expect(await answer(verifier, await key.sign(claims({ iss: 'https://tenant-d.example.com/' })))).toBe(
      '401 issuer',
    );
  });

  it('a function that throws reaches the caller unchanged (the app’s bug), and is asked again next time', async () => {
    let calls = 0;
    const verifier = verifierOf({
      issuers: () => {
        calls++;
        throw new Error('tenant database down');
      },
    });
    const token = await key.sign(claims({ iss: 'https://tenant-e.example.com/' }));
    await expect(verifier.verify(token)).rejects.toThrow('tenant database down');
    await expect(verifier.verify(token)).rejects.toThrow('tenant database down');
    expect(calls).toBe(2);
  });

  it('an answer with a misspelt option is a TypeError naming it', async () => {
    const verifier = verifierOf({ issuers: () => ({ jwksUri: JWKS, audiance: 'api' }) as never });
    await expect(verifier.verify(await key.sign(claims({ iss: 'https://t.example.com/' })))).rejects.toThrow(
      /audiance.*did you mean "audience"/,
    );
  });

  it('a flood of made-up issuers causes no fetch and keeps memory bounded', async () => {
    const cache = new IssuerResolverCache<object>(
      ({ iss }) => (iss.startsWith('good') ? {} : undefined),
      () => ({}),
    );
    const header = { alg: 'RS256' };
    for (let i = 0; i < 5_000; i++) await cache.get(`made-up-${i}`, header, {});
    for (let i = 0; i < 3 * RESOLVED_LIMIT; i++) await cache.get(`good-${i}`, header, {});
    expect(cache.size.refused).toBeLessThanOrEqual(REFUSED_LIMIT);
    expect(cache.size.resolved).toBeLessThanOrEqual(RESOLVED_LIMIT);
    expect(cache.size.pending).toBe(0);
    // a refusal flood does not push out the issuers in use
    const kept = await cache.get(`good-${3 * RESOLVED_LIMIT - 1}`, header, {});
    for (let i = 0; i < 5_000; i++) await cache.get(`made-up-again-${i}`, header, {});
    expect(cache.get(`good-${3 * RESOLVED_LIMIT - 1}`, header, {})).toBe(kept);
  });

  it('a refusal is forgotten after a minute (a tenant added since is found)', async () => {
    let t = 0;
    let known = false;
    const cache = new IssuerResolverCache<object>(
      () => (known ? {} : undefined),
      () => ({ profile: true }),
      () => t,
    );
    expect(await cache.get('x', { alg: 'RS256' }, {})).toBeUndefined();
    known = true;
    expect(await cache.get('x', { alg: 'RS256' }, {})).toBeUndefined();
    t = 60_001;
    expect(await cache.get('x', { alg: 'RS256' }, {})).toEqual({ profile: true });
  });
});

describe('issuer templates', () => {
  const entra = (extra: Record<string, unknown> = {}) =>
    verifierOf({
      issuer: 'https://login.microsoftonline.com/{tid}/v2.0',
      jwksUri: JWKS,
      audience: 'api',
      ...extra,
    });

  it('accept any tenant whose iss is the template filled with its own tid', async () => {
    const verifier = entra();
    for (const tid of ['72f988bf-86f1-41af-91ab-2d7cd011db47', '9188040d-6c67-4c5b-b112-36a304b66dad']) {
      const iss = `https://login.microsoftonline.com/${tid}/v2.0`;
      expect(await answer(verifier, await key.sign(claims({ iss, tid })))).toBe('200 u1');
    }
  });

  it('refuse a token whose iss and tid disagree, or whose tid is missing or not URL-safe', async () => {
    const verifier = entra();
    const iss = 'https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/v2.0';
    expect(
      await answer(verifier, await key.sign(claims({ iss, tid: '9188040d-6c67-4c5b-b112-36a304b66dad' }))),
    ).toBe('401 issuer');
    expect(await answer(verifier, await key.sign(claims({ iss })))).toBe('401 issuer');
    expect(
      await answer(
        verifier,
        await key.sign(claims({ iss: 'https://login.microsoftonline.com/a/b/v2.0', tid: 'a/b' })),
      ),
    ).toBe('401 issuer');
    expect(await answer(verifier, await key.sign(claims({ iss, tid: ['x'] })))).toBe('401 issuer');
  });

  it('work inside issuers entries beside literal spellings', async () => {
    const verifier = verifierOf({
      issuers: [
        {
          issuer: ['https://sts.windows.net/{tid}/', 'https://login.microsoftonline.com/{tid}/v2.0'],
          jwksUri: JWKS,
        },
        { issuer: 'https://other.example.com/', secret: 'x'.repeat(32) },
      ],
    });
    const tid = '72f988bf-86f1-41af-91ab-2d7cd011db47';
    expect(
      await answer(verifier, await key.sign(claims({ iss: `https://sts.windows.net/${tid}/`, tid }))),
    ).toBe('200 u1');
    expect(
      await answer(
        verifier,
        await key.sign(claims({ iss: `https://sts.windows.net/${tid}/`, tid: 'other' })),
      ),
    ).toBe('401 issuer');
  });

  it('need a key source: discovery per tenant is refused at start-up, as is a malformed template', () => {
    expect(() => verifierOf({ issuer: 'https://login.microsoftonline.com/{tid}/v2.0' })).toThrow(
      /template.*needs a key source/,
    );
    expect(() => verifierOf({ issuer: 'https://x/{t-id}/', jwksUri: JWKS })).toThrow(/not a claim name/);
    expect(() => verifierOf({ issuer: 'https://x/{tid/', jwksUri: JWKS })).toThrow(/unbalanced/);
  });
});

describe('several spellings and key sources for one issuer', () => {
  it('an issuers entry lists spellings sharing one key set', async () => {
    const verifier = verifierOf({
      issuers: [
        { issuer: ['accounts.google.com', 'https://accounts.google.com'], jwksUri: JWKS, audience: 'api' },
      ],
    });
    for (const iss of ['accounts.google.com', 'https://accounts.google.com'])
      expect(await answer(verifier, await key.sign(claims({ iss })))).toBe('200 u1');
    expect(await answer(verifier, await key.sign(claims({ iss: 'https://accounts.google.com/' })))).toBe(
      '401 issuer',
    );
    expect(() => verifierOf({ issuers: [{ issuer: ['a', 'a'], jwksUri: JWKS }] })).toThrow(/listed twice/);
  });

  it('discovery with several spellings says to give the key URL', () => {
    expect(() => verifierOf({ issuer: ['accounts.google.com', 'https://accounts.google.com'] })).toThrow(
      /several spellings.*jwksUri/,
    );
  });

  it('a secret beside jwksUri: each verifies only the algorithms it fits', async () => {
    const { SignJWT } = await import('jose');
    const secret = 's'.repeat(32);
    const verifier = verifierOf({ issuer: 'https://db.example.com/auth/v1', secret, jwksUri: JWKS });
    const iss = 'https://db.example.com/auth/v1';
    const hs = await new SignJWT(claims({ iss }))
      .setProtectedHeader({ alg: 'HS256' })
      .sign(new TextEncoder().encode(secret));
    expect(await answer(verifier, hs)).toBe('200 u1');
    expect(await answer(verifier, await key.sign(claims({ iss })))).toBe('200 u1');
    // the JWKS's public key as an HMAC secret is never tried (algorithm confusion)
    const pem = (await import('node:crypto')).createPublicKey({ key: key.jwk as never, format: 'jwk' });
    const spki = pem.export({ type: 'spki', format: 'pem' }) as string;
    const confused = await new SignJWT(claims({ iss }))
      .setProtectedHeader({ alg: 'HS256' })
      .sign(new TextEncoder().encode(spki));
    expect(await answer(verifier, confused)).toBe('401 bad_signature');
    const ha = await new SignJWT(claims({ iss }))
      .setProtectedHeader({ alg: 'HS256' })
      .sign(new TextEncoder().encode('t'.repeat(32)));
    expect(await answer(verifier, ha)).toBe('401 bad_signature');
    expect(() => verifierOf({ secret, jwksUri: JWKS, algorithms: ['RS256'] })).toThrow(
      /HMAC algorithm for "secret"/,
    );
    expect(() => verifierOf({ jwks: { keys: [key.jwk as JsonWebKey] }, jwksUri: JWKS })).toThrow(/exclusive/);
  });
});

describe('certificatesUri', () => {
  const CERTS = 'https://www.googleapis.com/robot/v1/metadata/x509/securetoken@system.gserviceaccount.com';

  it('verifies with a certificate of the map, by kid, fetched once', async () => {
    const cert = await certificateKey('c1');
    idp.serve(CERTS, { c1: TEST_CERTIFICATE, other: 'not a certificate' });
    const verifier = verifierOf({
      issuer: 'https://securetoken.google.com/p',
      certificatesUri: CERTS,
      audience: 'api',
    });
    const before = idp.hits.get(CERTS) ?? 0;
    const token = await cert.sign(claims({ iss: 'https://securetoken.google.com/p' }));
    expect(await answer(verifier, token)).toBe('200 u1');
    expect(
      await answer(verifier, await cert.sign(claims({ iss: 'https://securetoken.google.com/p', sub: 'u2' }))),
    ).toBe('200 u2');
    expect((idp.hits.get(CERTS) ?? 0) - before).toBe(1);
    // a kid the map lacks: refetched once, then 401 unknown_key
    const stranger = await certificateKey('c9');
    expect(
      await answer(verifier, await stranger.sign(claims({ iss: 'https://securetoken.google.com/p' }))),
    ).toBe('401 unknown_key');
    // a key of another pair under a held kid: bad signature
    const other = await providerKey('c1');
    expect(
      await answer(verifier, await other.sign(claims({ iss: 'https://securetoken.google.com/p' }))),
    ).toBe('401 bad_signature');
  });

  it('verifies the same on the WebCrypto backend', async () => {
    const cert = await certificateKey('c1');
    idp.serve(CERTS, { c1: TEST_CERTIFICATE });
    const verifier = verifierOf({ certificatesUri: CERTS, crypto: 'webcrypto' });
    expect(await answer(verifier, await cert.sign(claims({ sub: 'w' })))).toBe('200 w');
    const other = await providerKey('c1');
    expect(await answer(verifier, await other.sign(claims({})))).toBe('401 bad_signature');
  });

  it('a document that is not a certificate map is a 503, never a 500', async () => {
    const url = 'https://broken.example.com/certs';
    idp.serve(url, { keys: [] });
    const verifier = verifierOf({ certificatesUri: url });
    const cert = await certificateKey('c1');
    expect(await answer(verifier, await cert.sign(claims({})))).toBe('503 key_source_unavailable');
    await expect(verifier.ready()).rejects.toThrow(/not a certificate map/);
  });

  it('is refused beside jwksUri, and must be https', () => {
    expect(() => verifierOf({ certificatesUri: CERTS, jwksUri: JWKS })).toThrow(/exclusive/);
    expect(() => verifierOf({ certificatesUri: 'http://idp.example.com/certs' })).toThrow(/https/);
  });
});

describe('differential: resolved, templated and listed issuers answer alike', () => {
  it('gives the same answer for every token, cached or not', async () => {
    const tenants = ['t1', 't2', 't3'];
    const listed = verifierOf({
      issuers: tenants.map((t) => ({
        issuer: `https://login.example.com/${t}/v2.0`,
        jwksUri: JWKS,
        audience: 'api',
      })),
    });
    const resolvedIssuers = verifierOf({
      issuers: ({ iss }) =>
        tenants.some((t) => iss === `https://login.example.com/${t}/v2.0`)
          ? { jwksUri: JWKS, audience: 'api' }
          : undefined,
    });
    const templated = verifierOf({
      issuer: 'https://login.example.com/{tid}/v2.0',
      jwksUri: JWKS,
      audience: 'api',
    });
    const uncached = verifierOf({ issuers: () => ({ jwksUri: JWKS, audience: 'api' }), cache: false });
    const stranger = await providerKey('k1');
    const tokens: string[] = [];
    for (const tid of [...tenants, 'made-up']) {
      const iss = `https://login.example.com/${tid}/v2.0`;
      tokens.push(
        await key.sign(claims({ iss, tid })),
        await key.sign(claims({ iss, tid, aud: 'other' })),
        await key.sign(claims({ iss, tid, exp: now() - 60 })),
        await stranger.sign(claims({ iss, tid })),
      );
    }
    for (let round = 0; round < 3; round++) {
      for (const token of tokens) {
        const expected = await answer(listed, token);
        const tid = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()).tid;
        expect(await answer(resolvedIssuers, token)).toBe(expected);
        if (tid !== 'made-up') {
          expect(await answer(templated, token)).toBe(expected);
          expect(await answer(uncached, token)).toBe(expected);
        }
      }
    }
  });
});

it('an iss spelt like a template never reaches the issuers function', async () => {
  let calls = 0;
  const verifier = verifierOf({
    issuers: () => {
      calls++;
      return { jwksUri: JWKS };
    },
  });
  for (const iss of ['https://t.example/{sub}/', 'https://t.example/{/'])
    expect(await answer(verifier, await key.sign(claims({ iss })))).toBe('401 issuer');
  expect(calls).toBe(0);
});

describe('certificate maps and a shared keyCache', () => {
  it('a cold instance verifies from the shared copy with zero fetches, under a key of their own', async () => {
    const { createMemoryKeyCache } = await import('../../src/index.js');
    const url = 'https://www.googleapis.com/oauth2/v1/certs';
    idp.serve(url, { c1: TEST_CERTIFICATE });
    const cert = await certificateKey('c1');
    const token = await cert.sign(claims({ iss: 'https://accounts.google.com' }));
    const inner = createMemoryKeyCache();
    const keys: string[] = [];
    const keyCache = {
      get: (key: string) => {
        keys.push(key);
        return inner.get(key);
      },
      set: (key: string, entry: never, ttl: number) => {
        keys.push(key);
        return inner.set(key, entry, ttl);
      },
    };
    // a new `fetch` function per instance: no process-wide sharing, as in separate isolates
    const instance = () =>
      verifierOf({
        certificatesUri: url,
        keyCache,
        fetch: (i, init) => idp.fetch(i, init),
      } as TokengateOptions);
    const before = idp.hits.get(url) ?? 0;
    expect(await answer(instance(), token)).toBe('200 u1');
    expect(await answer(instance(), token)).toBe('200 u1');
    expect((idp.hits.get(url) ?? 0) - before).toBe(1);
    expect(new Set(keys)).toEqual(new Set([`v1:certificates:${url}`]));
  });
});
