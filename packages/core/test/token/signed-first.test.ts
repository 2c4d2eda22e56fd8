/**
 * A verifier with one issuer and fixed keys checks the signature before it reads the claims
 * (`checkSignedFirst`); every other verifier reads the claims first (`checkToken`). The two
 * orders must give the same answer: the same context for every token accepted, the same code
 * and status for every token refused, and the same reason too, except for a token with a bad
 * signature and another defect, which the first order refuses for its signature. The other order
 * is had from the same secret given as a `secret` function (a key source that is not fixed).
 */
import { createHmac, generateKeyPairSync, sign as nodeSign } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createVerifier, isAuthError } from '../../src/index.js';

const SECRET = 'a-secret-of-at-least-thirty-two-bytes!!';
const ISSUER = 'https://issuer.test/';
const AUDIENCE = 'api://orders';
const b64 = (value: unknown) =>
  Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
const now = Math.floor(Date.now() / 1000);

const header = fc.record(
  {
    alg: fc.constantFrom('HS256', 'HS384', 'RS256', 'none', 'hs256'),
    typ: fc.constantFrom('JWT', 'at+jwt', '', 'jwt', 'application/at+jwt'),
    kid: fc.constantFrom('k1', 'other'),
    crit: fc.constant(['exp']),
  },
  { requiredKeys: ['alg'] },
);
const claims = fc.record(
  {
    iss: fc.constantFrom(ISSUER, 'https://evil.test/', 42),
    aud: fc.constantFrom(AUDIENCE, 'api://other', [AUDIENCE, 'x'], []),
    sub: fc.constantFrom('alice', '', 7),
    exp: fc.constantFrom(now + 600, now - 600, 'soon', now + 10 ** 10),
    nbf: fc.constantFrom(now - 10, now + 600),
    iat: fc.constantFrom(now - 10, now + 600),
    scope: fc.constantFrom('read write', ['read']),
  },
  { requiredKeys: [] },
);
/** How the token is spelled and signed: each a defect the verifier must notice. */
const spelling = fc.constantFrom(
  'signed',
  'bad-signature',
  'other-key',
  'payload-not-json',
  'payload-duplicate',
  'payload-not-base64url',
  'payload-array',
  'empty-signature',
  'rsa-signed',
);

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });

function mint(h: Record<string, unknown>, c: Record<string, unknown>, how: string): string {
  let payload = b64(c);
  if (how === 'payload-not-json') payload = b64('{"sub":"alice"');
  if (how === 'payload-duplicate') payload = b64('{"sub":"alice","sub":"bob","exp":9999999999}');
  if (how === 'payload-not-base64url') payload = `${payload.slice(0, 3)}+${payload.slice(4)}`;
  if (how === 'payload-array') payload = b64('[1,2]');
  const input = `${b64(h)}.${payload}`;
  if (how === 'empty-signature') return `${input}.`;
  if (how === 'rsa-signed')
    return `${input}.${nodeSign('sha256', Buffer.from(input), privateKey).toString('base64url')}`;
  const mac = createHmac('sha256', how === 'other-key' ? 'another-secret-of-thirty-two-bytes!!!' : SECRET)
    .update(input)
    .digest('base64url');
  return `${input}.${how === 'bad-signature' ? `${mac[0] === 'A' ? 'B' : 'A'}${mac.slice(1)}` : mac}`;
}

type Verdict = { ok: true; payload: unknown } | { ok: false; code: string; status: number; reason?: string };
async function verdict(
  verify: (token: string) => Promise<{ payload: unknown }>,
  token: string,
): Promise<Verdict> {
  try {
    const auth = await verify(token);
    return { ok: true, payload: auth.payload };
  } catch (error) {
    if (!isAuthError(error)) throw error;
    return { ok: false, code: error.code, status: error.status, reason: error.reason };
  }
}

describe('signature first (one issuer, fixed keys) against claims first', () => {
  for (const [typ, crypto] of [
    [undefined, 'node'],
    ['at+jwt', 'node'],
    [undefined, 'webcrypto'],
  ] as const) {
    it(`gives the same answers${typ ? ` with typ: '${typ}'` : ''} (${crypto})`, async () => {
      const options = { issuer: ISSUER, audience: AUDIENCE, cache: false as const, typ, crypto };
      const fixed = createVerifier({ ...options, secret: SECRET });
      const resolved = createVerifier({ ...options, secret: () => SECRET });
      let differentReasons = 0;
      await fc.assert(
        fc.asyncProperty(header, claims, spelling, async (h, c, how) => {
          const token = mint(h, c, how);
          const [a, b] = [await verdict(fixed.verify, token), await verdict(resolved.verify, token)];
          if (a.ok || b.ok) {
            expect(a).toEqual(b);
            return;
          }
          expect({ code: a.code, status: a.status }).toEqual({ code: b.code, status: b.status });
          if (a.reason !== b.reason) {
            // Only a token the first order refuses for its signature, which has another defect.
            differentReasons++;
            expect(a.reason).toBe('bad_signature');
            expect(['bad-signature', 'other-key', 'rsa-signed']).toContain(how);
          }
        }),
        { numRuns: Number(process.env.TOKENGATE_DIFF_RUNS ?? 2000) },
      );
      // The generator does make tokens with two defects (or this test would prove little).
      expect(differentReasons).toBeGreaterThan(0);
    });
  }
});
