import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { createVerifier, isAuthError, type TokengateOptions } from '../../src/index.js';

const secret = 'r'.repeat(32);
const now = Math.floor(Date.now() / 1000);
const full = {
  iss: 'https://as.example.com/',
  exp: now + 300,
  aud: 'api',
  sub: 'u1',
  client_id: 'c1',
  iat: now,
  jti: 'j1',
};

async function answer(options: Partial<TokengateOptions>, payload: Record<string, unknown>, typ = 'at+jwt') {
  const token = await new SignJWT(payload)
    .setProtectedHeader({ alg: 'HS256', typ })
    .sign(new TextEncoder().encode(secret));
  try {
    const auth = await createVerifier({ secret, ...options } as TokengateOptions).verify(token);
    return { status: 200, roles: [...auth.roles].sort(), scopes: [...auth.scopes].sort() };
  } catch (error) {
    if (!isAuthError(error)) throw error;
    return { status: error.status, reason: error.reason, message: error.message };
  }
}

describe("typ: 'at+jwt' is RFC 9068 whole (§2.2)", () => {
  it('accepts an access token with every required claim', async () => {
    expect((await answer({ typ: 'at+jwt' }, full)).status).toBe(200);
    expect((await answer({ typ: 'application/at+jwt' }, full, 'application/at+jwt')).status).toBe(200);
  });

  it.each(['iss', 'exp', 'aud', 'sub', 'client_id', 'iat', 'jti'])(
    'refuses one without "%s" as 401 claims',
    async (name) => {
      const { [name]: _, ...rest } = full as Record<string, unknown>;
      expect(await answer({ typ: 'at+jwt', requireExp: name !== 'exp' }, rest)).toMatchObject({
        status: 401,
        reason: 'claims',
      });
    },
  );

  it('refuses a client_id that is not a string', async () => {
    expect(await answer({ typ: 'at+jwt' }, { ...full, client_id: ['c1'] })).toMatchObject({
      status: 401,
      reason: 'claims',
    });
  });

  it('without the option the default typ policy needs none of them (unchanged)', async () => {
    expect((await answer({}, { exp: now + 60 })).status).toBe(200);
  });

  it('with typ: [at+jwt, jwt], a JWT-typed token is not held to RFC 9068', async () => {
    expect((await answer({ typ: ['at+jwt', 'jwt'] }, { exp: now + 60 }, 'JWT')).status).toBe(200);
    expect((await answer({ typ: ['at+jwt', 'jwt'] }, { exp: now + 60 }, 'at+jwt')).status).toBe(401);
  });
});

describe('claimCheck', () => {
  it('refuses as 401 claims with its message, accepts on true/undefined', async () => {
    const check = (c: Record<string, unknown>) => c.token_use === 'access' || '"token_use" is not "access"';
    expect(await answer({ claimCheck: check }, { ...full, token_use: 'id' })).toMatchObject({
      status: 401,
      reason: 'claims',
      message: '"token_use" is not "access"',
    });
    expect(
      (await answer({ claimCheck: [check, () => undefined] }, { ...full, token_use: 'access' })).status,
    ).toBe(200);
    expect(await answer({ claimCheck: () => false }, full)).toMatchObject({ status: 401, reason: 'claims' });
    expect(() => createVerifier({ secret, claimCheck: 'x' as never })).toThrow(/claimCheck/);
  });
});

describe('JSON Pointer claim paths (RFC 6901)', () => {
  const keycloak = {
    ...full,
    realm_access: { roles: ['user'] },
    resource_access: {
      'com.example.app': { roles: ['admin'] },
      'a/b': { roles: ['slash'] },
      'a~b': { roles: ['tilde'] },
    },
    'kubernetes.io': { namespace: 'prod', list: ['first', 'second'] },
  };

  it('reach names with dots, mixed with dotted paths in one list', async () => {
    expect(
      await answer(
        { rolesClaim: ['realm_access.roles', '/resource_access/com.example.app/roles'] },
        keycloak,
      ),
    ).toMatchObject({ status: 200, roles: ['admin', 'user'] });
    expect(await answer({ rolesClaim: '/kubernetes.io/namespace' }, keycloak)).toMatchObject({
      roles: ['prod'],
    });
    expect(await answer({ scopeClaim: '/kubernetes.io/list/1' }, keycloak)).toMatchObject({
      scopes: ['second'],
    });
  });

  it('unescape ~1 and ~0, and miss quietly', async () => {
    expect(
      await answer({ rolesClaim: ['/resource_access/a~1b/roles', '/resource_access/a~0b/roles'] }, keycloak),
    ).toMatchObject({
      roles: ['slash', 'tilde'],
    });
    expect(
      await answer(
        { rolesClaim: ['/nothing/here', '/kubernetes.io/list/01', '/kubernetes.io/list/-'] },
        keycloak,
      ),
    ).toMatchObject({
      roles: [],
    });
  });

  it('a malformed pointer is a start-up TypeError', () => {
    expect(() => createVerifier({ secret, rolesClaim: '/a~2b' })).toThrow(/JSON Pointer/);
    expect(() => createVerifier({ secret, scopeClaim: ['scope', '/'] })).toThrow(/JSON Pointer/);
  });
});
