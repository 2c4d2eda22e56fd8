/**
 * Nesting is bounded work for any `maxTokenLength` (issue 12, item 6): a deeply nested header is
 * refused as malformed before it is parsed, never with a stack overflow; deeply nested claims
 * (signed) are accepted without recursion.
 */
import { createHmac } from 'node:crypto';
import { createVerifier, isAuthError } from '@tokengate/core';
import { describe, expect, it, vi } from 'vitest';

const secret = 'a-test-secret-that-is-32-bytes!!';
const b64u = (text: string) => Buffer.from(text).toString('base64url');
function token(header: string, claims: string): string {
  const input = `${b64u(header)}.${b64u(claims)}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}
const exp = Math.floor(Date.now() / 1000) + 600;
const nested = (depth: number, open = '[', close = ']') => `${open.repeat(depth)}1${close.repeat(depth)}`;

async function answer(t: string): Promise<string> {
  const verifier = createVerifier({ secret, maxTokenLength: 10_000_000, cache: false });
  try {
    await verifier.verify(t);
    return 'accepted';
  } catch (error) {
    if (isAuthError(error)) return `${error.status} ${error.reason}`;
    return `thrown ${(error as Error).name}`;
  }
}

describe.each([
  ['arrays', '[', ']'],
  ['objects', '{"a":', '}'],
])('nesting of %s', (_name, open, close) => {
  it.each([9, 2_900, 50_000, 500_000])('a header nested %i levels is malformed', async (depth) => {
    const t = token(`{"alg":"HS256","x":${nested(depth, open, close)}}`, `{"exp":${exp}}`);
    expect(await answer(t)).toBe('401 malformed');
  });

  it('a header nested 8 levels (the bound) is fine', async () => {
    const t = token(`{"alg":"HS256","x":${nested(7, open, close)}}`, `{"exp":${exp}}`);
    expect(await answer(t)).toBe('accepted');
  });

  it.each([2_900, 200_000])('signed claims nested %i levels are accepted', async (depth) => {
    const t = token('{"alg":"HS256"}', `{"exp":${exp},"x":${nested(depth, open, close)}}`);
    expect(await answer(t)).toBe('accepted');
  });
});

it('a deep header is refused before anything parses it: work linear in its length, no recursive walk', async () => {
  // What once made this costly (1.6 ms a token) was parsing and deep-freezing such a header
  // before refusing it; the scan that refuses it is one linear pass. So nothing may parse it: a
  // structural check, steady on a busy machine where a timed one is not.
  const verifier = createVerifier({ secret, maxTokenLength: 10_000_000, cache: false });
  const tokens = Array.from({ length: 5 }, (_, i) =>
    token(`{"alg":"HS256","n":${i},"x":${nested(2_900)}}`, `{"exp":${exp}}`),
  );
  const parse = vi.spyOn(JSON, 'parse');
  try {
    for (const t of tokens) {
      await expect(verifier.verify(t)).rejects.toMatchObject({ reason: 'malformed' });
    }
    expect(parse).not.toHaveBeenCalled();
  } finally {
    parse.mockRestore();
  }
});
