/**
 * The work one token can cause is bounded: a kid-less token tries at most 8 keys, and only as
 * many as fit the verification budget (the first key always), so a key set of expensive keys
 * cannot make a garbage token cost many checks (issue 12, item 3).
 */
import { generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { createVerifier, isAuthError } from '@tokengate/core';
import { describe, expect, it } from 'vitest';

const b64u = (bytes: Uint8Array | string) => Buffer.from(bytes).toString('base64url');

function keySet(count: number, namedCurve: string) {
  const pairs = Array.from({ length: count }, () => generateKeyPairSync('ec', { namedCurve }));
  return { pairs, jwks: { keys: pairs.map((p) => p.publicKey.export({ format: 'jwk' }) as JsonWebKey) } };
}

function token(alg: string, key: KeyObject, header: Record<string, unknown> = {}): string {
  const input = `${b64u(JSON.stringify({ alg, ...header }))}.${b64u(JSON.stringify({ sub: 'a', exp: Math.floor(Date.now() / 1000) + 60 }))}`;
  const hash = { ES256: 'sha256', ES512: 'sha512', RS256: 'sha256' }[alg]!;
  const dsaEncoding = alg.startsWith('ES') ? 'ieee-p1363' : undefined;
  return `${input}.${b64u(sign(hash, Buffer.from(input), { key, dsaEncoding }))}`;
}

async function answer(verifier: { verify(t: string): Promise<{ subject?: string }> }, t: string) {
  try {
    return (await verifier.verify(t)).subject;
  } catch (error) {
    if (isAuthError(error)) return error.reason;
    throw error;
  }
}

describe.each(['node', 'webcrypto'] as const)('candidate keys for a kid-less token (%s)', (crypto) => {
  it('tries every one of 8 P-256 keys', async () => {
    const { pairs, jwks } = keySet(8, 'P-256');
    const verifier = createVerifier({ jwks, crypto });
    expect(await answer(verifier, token('ES256', pairs[7]!.privateKey))).toBe('a');
  });

  it('tries only the first of several P-521 keys (one check is the whole budget)', async () => {
    const { pairs, jwks } = keySet(3, 'P-521');
    const verifier = createVerifier({ jwks, crypto });
    expect(await answer(verifier, token('ES512', pairs[0]!.privateKey))).toBe('a');
    expect(await answer(verifier, token('ES512', pairs[1]!.privateKey))).toBe('bad_signature');
  });

  it('a kid names the key: the budget never refuses it', async () => {
    const { pairs, jwks } = keySet(3, 'P-521');
    const withKids = { keys: jwks.keys.map((k, i) => ({ ...k, kid: `k${i}` })) };
    const verifier = createVerifier({ jwks: withKids, crypto });
    expect(await answer(verifier, token('ES512', pairs[2]!.privateKey, { kid: 'k2' }))).toBe('a');
  });
});
