import {
  type AuthContext,
  AuthError,
  isAuthError,
  requireAnyRole,
  requireAnyScope,
  requireAuth,
  requireClaims,
  requireRole,
  requireScope,
} from '@tokengate/core';
import { buildChallenge } from '@tokengate/core/adapter';
import { describe, expect, it } from 'vitest';

function ctx(claims: Record<string, unknown>, scopes: string[] = [], roles: string[] = []): AuthContext<any> {
  return {
    token: 't',
    header: { alg: 'HS256' },
    claims,
    payload: claims,
    subject: undefined,
    issuer: undefined,
    scopes: new Set(scopes),
    roles: new Set(roles),
    expiresAt: undefined,
    tokenType: 'jwt',
    binding: 'bearer',
    jkt: undefined,
  };
}

describe('guards', () => {
  it('answer 401 without a context, 403 when the check fails, and pass otherwise', () => {
    const guard = requireScope('a', 'b');
    expect(guard.check(undefined)).toMatchObject({ code: 'missing_token', status: 401 });
    const error = guard.check(ctx({}, ['a']))!;
    expect(error).toMatchObject({ code: 'insufficient_scope', status: 403, error: 'insufficient_scope' });
    expect(error.headers['WWW-Authenticate']).toBe(
      'Bearer error="insufficient_scope", error_description="token lacks a required scope", scope="a b"',
    );
    expect(guard.check(ctx({}, ['a', 'b', 'c']))).toBeUndefined();
  });

  it('distinguish all from any for scopes and roles', () => {
    expect(requireAnyScope('a', 'b').check(ctx({}, ['b']))).toBeUndefined();
    expect(requireAnyScope('a', 'b').check(ctx({}, ['c']))?.code).toBe('insufficient_scope');
    expect(requireRole('admin', 'ops').check(ctx({}, [], ['admin']))?.code).toBe('insufficient_role');
    expect(requireRole('admin').check(ctx({}, [], ['admin']))).toBeUndefined();
    expect(requireAnyRole('admin', 'ops').check(ctx({}, [], ['ops']))).toBeUndefined();
    const roleError = requireRole('admin').check(ctx({}))!;
    expect(roleError.status).toBe(403);
    expect(roleError.headers['WWW-Authenticate']).toBe(
      'Bearer error="insufficient_scope", error_description="token lacks a required role"',
    );
  });

  it('requireClaims matches partial objects and predicates', () => {
    const auth = ctx({ tenant: 'acme', org: { id: 1, tags: ['x', 'y'] }, groups: ['g1', 'g2'], ok: true });
    expect(requireClaims({ tenant: 'acme', org: { id: 1 } }).check(auth)).toBeUndefined();
    expect(requireClaims({ groups: 'g2', org: { tags: ['y'] } }).check(auth)).toBeUndefined();
    expect(requireClaims({ tenant: 'other' }).check(auth)?.code).toBe('insufficient_claims');
    expect(requireClaims({ missing: undefined }).check(auth)?.code).toBe('insufficient_claims');
    expect(requireClaims((a) => a.claims.ok === true).check(auth)).toBeUndefined();
    expect(requireClaims(() => false).check(auth)?.status).toBe(403);
    expect(requireAuth().check(undefined)?.status).toBe(401);
    expect(requireAuth().check(auth)).toBeUndefined();
  });

  it('refuse empty lists at start-up', () => {
    expect(() => requireScope()).toThrow(TypeError);
    expect(() => requireRole('')).toThrow(TypeError);
  });
});

describe('AuthError', () => {
  it('carries status, RFC 6750 challenge, body and realm', () => {
    const error = new AuthError('invalid_token', 'token has expired', { reason: 'expired', realm: 'api' });
    expect(error).toMatchObject({ status: 401, statusCode: 401, expose: true, error: 'invalid_token' });
    expect(error.headers).toEqual({
      'WWW-Authenticate': 'Bearer realm="api", error="invalid_token", error_description="token has expired"',
    });
    expect(error.toJSON()).toEqual({
      error: 'invalid_token',
      code: 'invalid_token',
      error_description: 'token has expired',
      reason: 'expired',
    });
    expect(new AuthError('missing_token', 'none').headers['WWW-Authenticate']).toBe('Bearer');
    const unavailable = new AuthError('key_source_unavailable', 'down', { retryAfter: 12.2 });
    expect(unavailable.status).toBe(503);
    expect(unavailable.headers).toEqual({ 'Retry-After': '13' });
  });

  it('is recognised across duplicate installs', () => {
    const foreign = Object.assign(new Error('x'), { [Symbol.for('tokengate.AuthError')]: true });
    expect(isAuthError(foreign)).toBe(true);
    expect(isAuthError(new Error('x'))).toBe(false);
  });

  it('never lets quotes or backslashes break the challenge', () => {
    // error_description's character set (RFC 6750 §3) has no `"` or `\`: they are dropped. realm
    // is an RFC 9110 quoted-string: they are escaped, and the value reads back unchanged
    // (issue 26 finding 8).
    const challenge = buildChallenge({ realm: 'a"b\\c', error: 'invalid_token', description: 'x"y' });
    expect(challenge).toBe('Bearer realm="a\\"b\\\\c", error="invalid_token", error_description="xy"');
    const realm = /^Bearer realm="((?:[^"\\]|\\.)*)", /.exec(challenge)?.[1]?.replace(/\\(.)/g, '$1');
    expect(realm).toBe('a"b\\c');
  });
});
