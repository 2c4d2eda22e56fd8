import {
  type AuthError,
  extractToken,
  parseAuthorization,
  type RequestLike,
  readCookie,
} from '@tokengate/core';
import { describe, expect, it } from 'vitest';

const T = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln';

function outcome(value: string | undefined): string {
  try {
    const found = parseAuthorization(value, 8192);
    return found ? `token:${found.token}` : 'none';
  } catch (error) {
    return (error as AuthError).code;
  }
}

describe('Authorization header syntax (RFC 6750 §2.1)', () => {
  it.each([
    [undefined, 'none'],
    ['', 'none'],
    [`Bearer ${T}`, `token:${T}`],
    [`bearer ${T}`, `token:${T}`],
    [`BEARER ${T}`, `token:${T}`],
    [`Bearer   ${T}`, `token:${T}`],
    ['Basic dXNlcjpwYXNz', 'none'],
    ['Digest username="a", realm="b"', 'none'],
    ['Bearer', 'invalid_request'],
    ['Bearer ', 'invalid_request'],
    [`Bearer\t${T}`, 'invalid_request'],
    [`Bearer\u00a0${T}`, 'invalid_request'],
    [`Bearer ${T} ${T}`, 'invalid_request'],
    [`Bearer ${T}, Bearer ${T}`, 'invalid_request'],
    [`Basic abc, Bearer ${T}`, 'invalid_request'],
    [`Bearer ${T},`, 'invalid_request'],
    ['Bearer a"b', 'invalid_request'],
    [`Bearer${T}`, 'none'],
    ['Bearer abc==', 'token:abc=='],
  ])('%j → %s', (value, expected) => {
    expect(outcome(value)).toBe(expected);
  });

  it('refuses an over-long credential before looking at it', () => {
    expect(() => parseAuthorization(`Bearer ${'a'.repeat(9000)}`, 8192)).toThrow(
      expect.objectContaining({ code: 'invalid_token', reason: 'too_large' }),
    );
  });
});

function request(headers: Record<string, string>, extra: Partial<RequestLike> = {}): RequestLike {
  return { method: 'GET', raw: undefined, header: (name) => headers[name], ...extra };
}

describe('token sources', () => {
  it('takes the first source that holds a token', () => {
    const req = request({ cookie: 'a=1; session=cookie.tok.en', authorization: `Bearer ${T}` });
    expect(extractToken(req, ['header', { cookie: 'session' }], 8192)).toEqual({ token: T });
    expect(extractToken(req, [{ cookie: 'session' }, 'header'], 8192)).toEqual({ token: 'cookie.tok.en' });
    expect(extractToken(request({}), ['header', { cookie: 'session' }], 8192)).toBeUndefined();
  });

  it('URL-decodes cookie values and refuses broken encoding', () => {
    expect(readCookie('x=1; t=a%2Eb; y=2', 't')).toBe('a.b');
    expect(readCookie('t="quoted"', 't')).toBe('quoted');
    expect(() => readCookie('t=%E0%A4%A', 't')).toThrow(expect.objectContaining({ code: 'invalid_request' }));
  });

  it('reads a query parameter only when configured, and refuses it repeated', () => {
    const req = request({}, { url: '/x?access_token=q.t.k' });
    expect(extractToken(req, ['header'], 8192)).toBeUndefined();
    expect(extractToken(req, [{ query: 'access_token' }], 8192)).toEqual({ token: 'q.t.k' });
    const twice = request({}, { url: '/x?access_token=a&access_token=b' });
    expect(() => extractToken(twice, [{ query: 'access_token' }], 8192)).toThrow(
      expect.objectContaining({ code: 'invalid_request' }),
    );
  });

  it('refuses two Authorization lines', () => {
    const req = request({ authorization: `Bearer ${T}` }, { authorizationLines: () => 2 });
    expect(() => extractToken(req, ['header'], 8192)).toThrow(
      expect.objectContaining({ code: 'invalid_request', status: 400 }),
    );
  });
});
