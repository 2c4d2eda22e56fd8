import { createVerifier, isAuthError, type TokengateOptions } from '@tokengate/core';
import { createTestIssuer, type TestIssuer } from '@tokengate/core/testing';
import { SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';

const backends = ['node', 'webcrypto'] as const;
const algs = ['HS256', 'RS256', 'ES256', 'EdDSA'] as const;

async function reject(
  promise: Promise<unknown>,
): Promise<{ code: string; reason: string | undefined; status: number; message: string }> {
  try {
    await promise;
  } catch (error) {
    if (!isAuthError(error)) throw error;
    return { code: error.code, reason: error.reason, status: error.status, message: error.message };
  }
  throw new Error('expected the token to be refused');
}

const issuers = new Map<string, TestIssuer>();
beforeAll(async () => {
  for (const alg of algs)
    issuers.set(alg, await createTestIssuer({ alg, issuer: 'https://idp.test/', audience: 'api' }));
});

function keyOptions(idp: TestIssuer, mode: 'key' | 'jwks'): TokengateOptions {
  if (idp.alg === 'HS256') return { secret: idp.secret! };
  return mode === 'key' ? { publicKey: idp.publicKeyPem! } : { jwks: idp.jwks };
}

describe.each(backends)('verify with the %s backend', (crypto) => {
  describe.each(algs)('%s', (alg) => {
    const idp = () => issuers.get(alg)!;
    const make = (extra: TokengateOptions = {}, mode: 'key' | 'jwks' = 'jwks') =>
      createVerifier({
        ...keyOptions(idp(), mode),
        issuer: 'https://idp.test/',
        audience: 'api',
        crypto,
        cache: false,
        ...extra,
      });

    it('accepts a valid token and builds the context', async () => {
      const token = await idp().sign({ sub: 'alice', scope: 'orders:read orders:write', roles: ['admin'] });
      for (const mode of ['key', 'jwks'] as const) {
        const auth = await make({}, mode).verify(token);
        expect(auth.subject).toBe('alice');
        expect(auth.issuer).toBe('https://idp.test/');
        expect([...auth.scopes]).toEqual(['orders:read', 'orders:write']);
        expect([...auth.roles]).toEqual(['admin']);
        expect(auth.header.alg).toBe(alg);
        expect(auth.token).toBe(token);
        expect(typeof auth.expiresAt).toBe('number');
      }
    });

    it.each([
      ['expired', { defect: 'expired' }, 'expired'],
      ['wrong key', { defect: 'wrong-key' }, alg === 'HS256' ? 'bad_signature' : 'bad_signature'],
      ['tampered', { defect: 'tampered' }, 'bad_signature'],
      ['not yet valid', { notBefore: 600 }, 'not_yet_valid'],
      ['issued in the future', { issuedAt: Math.floor(Date.now() / 1000) + 600 }, 'not_yet_valid'],
      ['wrong issuer', { issuer: 'https://evil.test/' }, 'issuer'],
      ['wrong audience', { audience: 'other' }, 'audience'],
      ['no exp', { expiresIn: null }, 'claims'],
    ] as const)('refuses a token that is %s', async (_name, signOptions, reason) => {
      const token = await idp().sign({ sub: 'alice' }, signOptions as never);
      const error = await reject(make().verify(token));
      expect(error).toMatchObject({ code: 'invalid_token', status: 401, reason });
    });

    it('refuses an algorithm outside the allow-list', async () => {
      const token = await idp().sign({ sub: 'alice' });
      if (alg === 'HS256') {
        const verifier = make({ algorithms: ['HS512'], secret: new Uint8Array(64).fill(7) });
        expect((await reject(verifier.verify(token))).reason).toBe('alg_not_allowed');
        return;
      }
      const rsa = issuers.get('RS256')!;
      const algorithms = alg === 'RS256' ? (['PS256'] as const) : (['RS256'] as const);
      const verifier = make({
        algorithms: [...algorithms],
        jwks: { keys: [...idp().jwks.keys, ...rsa.jwks.keys] },
      });
      expect((await reject(verifier.verify(token))).reason).toBe('alg_not_allowed');
    });
  });
});

describe('start-up checks on keys', () => {
  it.each(['ES256', 'EdDSA'] as const)(
    'refuses a %s key set none of whose keys fits the allowed algorithms',
    (alg) => {
      const idp = issuers.get(alg)!;
      expect(() => createVerifier({ jwks: idp.jwks, algorithms: ['RS256'], crypto: 'node' })).toThrow(
        /no usable key/,
      );
      expect(() =>
        createVerifier({ publicKey: idp.publicKeyPem!, algorithms: ['RS256'], crypto: 'node' }),
      ).toThrow(TypeError);
    },
  );
});

describe('the auth context', () => {
  it('serializes to JSON without the raw token, with scopes and roles as arrays', async () => {
    const idp = issuers.get('HS256')!;
    const token = await idp.sign({ sub: 'alice', scope: 'a b', roles: ['admin'] });
    const auth = await createVerifier({ secret: idp.secret! }).verify(token);
    const json = JSON.parse(JSON.stringify(auth));
    expect(json).toMatchObject({
      subject: 'alice',
      scopes: ['a', 'b'],
      roles: ['admin'],
      claims: { sub: 'alice' },
    });
    expect(JSON.stringify(auth)).not.toContain(token.split('.')[2]);
    expect(auth.token).toBe(token);
  });

  it('shares one frozen header object between tokens with the same header', async () => {
    const idp = issuers.get('HS256')!;
    const verifier = createVerifier({ secret: idp.secret!, cache: false });
    const a = await verifier.verify(await idp.sign({ sub: 'a' }));
    const b = await verifier.verify(await idp.sign({ sub: 'b' }));
    expect(a.header).toBe(b.header);
    expect(Object.isFrozen(a.header)).toBe(true);
  });
});

describe('claims policy', () => {
  it('applies clockTolerance to exp and nbf', async () => {
    const idp = issuers.get('HS256')!;
    const now = Math.floor(Date.now() / 1000);
    const token = await idp.sign({}, { issuedAt: now - 60, expiresIn: 57 });
    await expect(
      createVerifier({ secret: idp.secret!, clockTolerance: '10s' }).verify(token),
    ).resolves.toBeDefined();
    expect(
      (await reject(createVerifier({ secret: idp.secret!, clockTolerance: 0 }).verify(token))).reason,
    ).toBe('expired');
    const early = await idp.sign({ nbf: now + 3 });
    await expect(createVerifier({ secret: idp.secret! }).verify(early)).resolves.toBeDefined();
    expect(
      (await reject(createVerifier({ secret: idp.secret!, clockTolerance: 1 }).verify(early))).reason,
    ).toBe('not_yet_valid');
  });

  it('enforces maxTokenAge (and requires iat with it)', async () => {
    const idp = issuers.get('HS256')!;
    const now = Math.floor(Date.now() / 1000);
    const old = await idp.sign({}, { issuedAt: now - 3600, expiresIn: 7200 });
    const verifier = createVerifier({ secret: idp.secret!, maxTokenAge: '30m' });
    expect((await reject(verifier.verify(old))).reason).toBe('expired');
    const fresh = await idp.sign({}, { issuedAt: now - 60 });
    await expect(verifier.verify(fresh)).resolves.toBeDefined();
    const noIat = await idp.sign({}, { issuedAt: null });
    expect((await reject(verifier.verify(noIat))).reason).toBe('claims');
  });

  it('enforces maxTokenLifetime', async () => {
    const idp = issuers.get('HS256')!;
    const long = await idp.sign({}, { expiresIn: '48h' });
    const verifier = createVerifier({ secret: idp.secret!, maxTokenLifetime: '1h' });
    expect((await reject(verifier.verify(long))).reason).toBe('claims');
    await expect(verifier.verify(await idp.sign({}, { expiresIn: '30m' }))).resolves.toBeDefined();
  });

  it('requires requiredClaims on top of exp, and requireExp: false drops exp', async () => {
    const idp = issuers.get('HS256')!;
    const verifier = createVerifier({ secret: idp.secret!, requiredClaims: ['sub', 'tenant'] });
    expect((await reject(verifier.verify(await idp.sign({ sub: 'a' })))).message).toContain('tenant');
    await expect(verifier.verify(await idp.sign({ sub: 'a', tenant: 't' }))).resolves.toBeDefined();
    const forever = await idp.sign({}, { expiresIn: null });
    await expect(
      createVerifier({ secret: idp.secret!, requireExp: false }).verify(forever),
    ).resolves.toBeDefined();
  });

  it('matches audience lists and arrays in either direction', async () => {
    const idp = issuers.get('HS256')!;
    const verifier = createVerifier({ secret: idp.secret!, audience: ['a', 'b'] });
    await expect(verifier.verify(await idp.sign({}, { audience: ['x', 'b'] }))).resolves.toBeDefined();
    expect((await reject(verifier.verify(await idp.sign({}, { audience: ['x', 'y'] })))).reason).toBe(
      'audience',
    );
    expect((await reject(verifier.verify(await idp.sign({}, { audience: [] })))).reason).toBe('audience');
    expect((await reject(verifier.verify(await idp.sign({}, { audience: null })))).reason).toBe('audience');
  });

  it('checks typ: JWT, at+jwt or none by default; exactly the configured one otherwise', async () => {
    const idp = issuers.get('HS256')!;
    const byDefault = createVerifier({ secret: idp.secret! });
    for (const typ of ['JWT', 'at+jwt', 'application/at+JWT', null]) {
      await expect(byDefault.verify(await idp.sign({}, { typ }))).resolves.toBeDefined();
    }
    expect((await reject(byDefault.verify(await idp.sign({}, { typ: 'id+jwt' })))).reason).toBe('type');
    const strict = createVerifier({ secret: idp.secret!, typ: 'at+jwt' });
    // RFC 9068 §2.2's claims are required of an at+jwt token once `typ: 'at+jwt'` is set.
    const rfc9068 = { iss: 'https://as.test/', aud: 'api', sub: 's', client_id: 'c' };
    await expect(
      strict.verify(await idp.sign(rfc9068, { typ: 'application/at+jwt' })),
    ).resolves.toBeDefined();
    expect((await reject(strict.verify(await idp.sign({}, { typ: 'at+jwt' })))).reason).toBe('claims');
    expect((await reject(strict.verify(await idp.sign({}, { typ: 'JWT' })))).reason).toBe('type');
    expect((await reject(strict.verify(await idp.sign({}, { typ: null })))).reason).toBe('type');
  });

  it('collects scopes and roles from custom claim paths (literal keys before dotted paths)', async () => {
    const idp = issuers.get('HS256')!;
    const token = await idp.sign({
      permissions: ['read:orders'],
      realm_access: { roles: ['admin', 'user'] },
      'https://example.com/roles': ['owner'],
      'cognito:groups': ['ops'],
      scope: 'ignored',
    });
    const auth = await createVerifier({
      secret: idp.secret!,
      scopeClaim: 'permissions',
      rolesClaim: ['realm_access.roles', 'https://example.com/roles', 'cognito:groups'],
    }).verify(token);
    expect([...auth.scopes]).toEqual(['read:orders']);
    expect([...auth.roles].sort()).toEqual(['admin', 'ops', 'owner', 'user']);
    const defaults = await createVerifier({ secret: idp.secret! }).verify(
      await idp.sign({ scp: ['a', 'b'], scope: 'c', role: 'x y', groups: ['g'] }),
    );
    expect([...defaults.scopes].sort()).toEqual(['a', 'b', 'c']);
    expect([...defaults.roles].sort()).toEqual(['g', 'x y']);
  });
});

describe('key sources', () => {
  it('accepts any secret of a rotation list', async () => {
    const oldIdp = await createTestIssuer({ alg: 'HS256' });
    const newIdp = await createTestIssuer({ alg: 'HS256' });
    const verifier = createVerifier({ secret: [newIdp.secret!, oldIdp.secret!] });
    await expect(verifier.verify(await oldIdp.sign())).resolves.toBeDefined();
    await expect(verifier.verify(await newIdp.sign())).resolves.toBeDefined();
  });

  it('asks a secret function with the decoded token; undefined is unknown_key', async () => {
    const a = await createTestIssuer({ alg: 'HS256', issuer: 'https://a.test/' });
    const b = await createTestIssuer({ alg: 'HS256', issuer: 'https://b.test/' });
    const seen: unknown[] = [];
    const verifier = createVerifier({
      secret: async ({ header, payload }) => {
        seen.push(header.alg);
        return payload.iss === 'https://a.test/' ? a.secret : undefined;
      },
    });
    await expect(verifier.verify(await a.sign())).resolves.toBeDefined();
    expect((await reject(verifier.verify(await b.sign()))).reason).toBe('unknown_key');
    expect(seen).toEqual(['HS256', 'HS256']);
  });

  it('lets a throwing secret function reach the caller unchanged (the app bug is not a 401)', async () => {
    const idp = issuers.get('HS256')!;
    const boom = new Error('database down');
    const verifier = createVerifier({
      secret: () => {
        throw boom;
      },
    });
    await expect(verifier.verify(await idp.sign())).rejects.toBe(boom);
  });

  it('selects JWKS keys by kid and tries each fitting key when the token has no kid', async () => {
    const one = await createTestIssuer({ alg: 'ES256', kid: 'one' });
    const two = await createTestIssuer({ alg: 'RS256', kid: 'two' });
    const verifier = createVerifier({ jwks: { keys: [...one.jwks.keys, ...two.jwks.keys] } });
    await expect(verifier.verify(await one.sign())).resolves.toBeDefined();
    await expect(verifier.verify(await two.sign({}, { kid: null }))).resolves.toBeDefined();
    expect((await reject(verifier.verify(await two.sign({}, { kid: 'three' })))).reason).toBe('unknown_key');
  });

  it("respects a key's own alg", async () => {
    const idp = await createTestIssuer({ alg: 'RS256' });
    const jwk = { ...idp.publicJwk!, alg: 'PS256' };
    const verifier = createVerifier({ jwks: { keys: [jwk] } });
    expect((await reject(verifier.verify(await idp.sign()))).reason).toBe('alg_not_allowed');
  });

  it('accepts a publicKey given as a CryptoKey or KeyObject', async () => {
    const { generateKeyPair } = await import('jose');
    const { createPublicKey } = await import('node:crypto');
    const { publicKey, privateKey } = await generateKeyPair('ES384', { extractable: true });
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: 'ES384' })
      .setExpirationTime('1m')
      .sign(privateKey);
    await expect(createVerifier({ publicKey }).verify(token)).resolves.toBeDefined();
    const pem = (await import('jose')).exportSPKI(publicKey);
    await expect(
      createVerifier({ publicKey: createPublicKey(await pem) }).verify(token),
    ).resolves.toBeDefined();
  });
});

describe('claims schema (Standard Schema)', () => {
  it('validates and types claims with zod and with valibot', async () => {
    const { z } = await import('zod');
    const v = await import('valibot');
    const idp = issuers.get('HS256')!;
    const good = await idp.sign({ sub: 'u1', tenant: 'acme' });
    const bad = await idp.sign({ sub: 'u1' });
    const zodVerifier = createVerifier({
      secret: idp.secret!,
      claims: z.object({ sub: z.string(), tenant: z.string() }),
    });
    expect((await zodVerifier.verify(good)).claims.tenant).toBe('acme');
    const error = await reject(zodVerifier.verify(bad));
    expect(error).toMatchObject({ reason: 'claims', status: 401 });
    expect(error.message).toContain('tenant');
    const valibotVerifier = createVerifier({
      secret: idp.secret!,
      claims: v.object({ sub: v.string(), tenant: v.string() }),
    });
    expect((await valibotVerifier.verify(good)).claims.tenant).toBe('acme');
    expect((await reject(valibotVerifier.verify(bad))).reason).toBe('claims');
  });
});

describe('revocation and cache', () => {
  it('checks isRevoked and the revocation store on fresh and on cached verifications', async () => {
    const { createMemoryRevocationStore } = await import('@tokengate/core');
    const idp = issuers.get('HS256')!;
    const revocation = createMemoryRevocationStore();
    const verifier = createVerifier({
      secret: idp.secret!,
      revocation,
      isRevoked: (auth) => auth.subject === 'banned',
    });
    const token = await idp.sign({ sub: 'alice', jti: 'j1' });
    await expect(verifier.verify(token)).resolves.toBeDefined();
    await revocation.revoke('j1', Math.floor(Date.now() / 1000) + 300);
    expect((await reject(verifier.verify(token))).reason).toBe('revoked');
    expect((await reject(verifier.verify(await idp.sign({ sub: 'banned' })))).reason).toBe('revoked');
    const later = await idp.sign({ sub: 'bob' }, { issuedAt: Math.floor(Date.now() / 1000) - 10 });
    await expect(verifier.verify(later)).resolves.toBeDefined();
    await revocation.revokeSubject('bob');
    expect((await reject(verifier.verify(later))).reason).toBe('revoked');
  });

  it('serves a repeated token from the cache but never past its exp', async () => {
    const idp = issuers.get('HS256')!;
    const verifier = createVerifier({ secret: idp.secret!, clockTolerance: 0 });
    const now = Math.floor(Date.now() / 1000);
    const token = await idp.sign({}, { expiresIn: 2, issuedAt: now });
    await verifier.verify(token); // a token is admitted to the cache on its second verification
    const second = await verifier.verify(token);
    expect(await verifier.verify(token)).toBe(second);
    await new Promise((resolve) => setTimeout(resolve, (now + 2 - Date.now() / 1000) * 1000 + 50));
    expect((await reject(verifier.verify(token))).reason).toBe('expired');
  });
});

// Issue 26 item 13: a refusal costs no more than it must. A promise that is already rejected when
// verify() returns it would be tracked by Node as a possible unhandled rejection until the caller
// listens (~1 µs a refusal); verify() rejects only after the caller holds the promise.
// bench/refusal.mjs prints what a refusal costs beside a verification.
describe('refusals reject once the caller listens', () => {
  it.each([
    ['a bad signature', (t: string) => `${t.slice(0, -2)}${t.endsWith('AA') ? 'BA' : 'AA'}`],
    ['a malformed token', () => 'not-a-jwt'],
    ['an empty token', () => ''],
  ])('%s: the promise is pending when returned, then rejects with the AuthError', async (_name, make) => {
    const issuer = await createTestIssuer({ alg: 'HS256' });
    const verifier = createVerifier({ secret: issuer.secret!, cache: false });
    const { inspect } = await import('node:util');
    const token = make(await issuer.sign({ sub: 'alice' }));
    const promise = verifier.verify(token);
    expect(inspect(promise)).toBe('Promise { <pending> }');
    const error = await promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isAuthError(error)).toBe(true);
  });
});
