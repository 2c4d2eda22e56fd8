/** The token source `{ protocol: prefix }`: the `Sec-WebSocket-Protocol` entry that carries the token. */
import type { AuthError, RequestLike, TokenSource } from '@tokengate/core';
import { extractToken } from '@tokengate/core/adapter';
import { describe, expect, it } from 'vitest';
import { validateTokenSources } from '../../src/request/token-sources.js';

const T = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln';

function request(headers: Record<string, string>, url = '/ws'): RequestLike {
  return { method: 'GET', url, raw: {}, header: (name) => headers[name] };
}

function outcome(
  headers: Record<string, string>,
  sources: TokenSource[] = [{ protocol: 'bearer.' }],
  url?: string,
) {
  try {
    const found = extractToken(request(headers, url), sources, 8192);
    return found ? `token:${found.token}` : 'none';
  } catch (error) {
    return `${(error as AuthError).code}${(error as AuthError).reason ? `/${(error as AuthError).reason}` : ''}`;
  }
}

describe('{ protocol: prefix }', () => {
  it.each([
    [`bearer.${T}`, `token:${T}`],
    [`chat, bearer.${T}`, `token:${T}`],
    [`chat,bearer.${T} , v2`, `token:${T}`],
    ['chat, v2', 'none'],
    ['Bearer.abc', 'none'], // subprotocol names are case-sensitive
    ['bearer.', 'invalid_request'],
    [`bearer.${T}, bearer.${T}`, 'invalid_request'],
    [`bearer.${'a'.repeat(9000)}`, 'invalid_token/too_large'],
  ])('Sec-WebSocket-Protocol: %s → %s', (value, expected) => {
    expect(outcome({ 'sec-websocket-protocol': value })).toBe(expected);
  });

  it('a token in the header and in the protocol list is a 400, as header and query are', () => {
    const sources: TokenSource[] = ['header', { protocol: 'bearer.' }];
    const headers = { authorization: `Bearer ${T}`, 'sec-websocket-protocol': `bearer.${T}` };
    expect(outcome(headers, sources)).toBe('invalid_request');
    expect(outcome({ 'sec-websocket-protocol': `bearer.${T}` }, sources)).toBe(`token:${T}`);
  });

  it('a prefix must be made of HTTP token characters', () => {
    expect(() => validateTokenSources([{ protocol: 'bearer.' }], 'tokenSources')).not.toThrow();
    for (const bad of ['', 'a b', 'x,', 'x"', 5]) {
      expect(() => validateTokenSources([{ protocol: bad }], 'tokenSources')).toThrow(TypeError);
    }
  });
});
