import { createVerifier, decodeJwt, isAuthError } from '@tokengate/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli, type Run, rawToken, tempDir, tokengate } from './helpers.js';

// What a newcomer reaches for first: RFC 7515's own example tokens (verified as of their time,
// with the key as the RFC prints it), expired test tokens, base64 secrets, and re-signing an
// edited token.

type Temp = Awaited<ReturnType<typeof tempDir>>;
let tmp: Temp;
const parse = (run: Run) => JSON.parse(run.stdout) as Record<string, any>;
const now = () => Math.floor(Date.now() / 1000);
const SECRET = 'newcomer-test-secret-long-enough-for-hs256';

beforeAll(async () => {
  buildCli();
  tmp = await tempDir();
});
afterAll(() => tmp.remove());

/** RFC 7515 appendix A.1: HS256, the key as the JWK `k` (base64url) the RFC gives. */
const A1 = {
  k: 'AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow',
  token:
    'eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9' +
    '.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ' +
    '.dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk',
};

/** RFC 7515 appendix A.2: RS256, the public half of the RFC's RSA key. */
const A2 = {
  jwk: {
    kty: 'RSA',
    n: 'ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ',
    e: 'AQAB',
  },
  token:
    'eyJhbGciOiJSUzI1NiJ9' +
    '.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ' +
    '.cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7AAuHIm4Bh-0Qc_lF5YKt_O8W2Fp5jujGbds9uJdbF9CUAr7t1dnZcAcQjbKBYNX4BAynRFdiuB--f_nZLgrnbyTyWzO75vRK5h6xBArLIARNPvkSjtQBMHlb1L07Qe7K0GarZRmB_eSN9383LcOLn6_dO--xi12jzDwusC-eOkHWEsqtFZESc6BfI7noOPqvhJ1phCnvWh6IeYI2w9QOYEUipUTI8np6LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrBp0igcN_IoypGlUPQGe77Rw',
};

/** Both expire at 1300819380 = 2011-03-22T18:43:00Z. */
const BEFORE_EXP = '2011-03-22T18:00:00Z';

describe.concurrent('verify --at, with RFC 7515 example tokens', () => {
  it('A.1 (HS256, --secret-base64): verified as of 2011, expired today', async () => {
    const then = await tokengate(['verify', A1.token, '--secret-base64', A1.k, '--at', BEFORE_EXP, '--json']);
    expect(then.code).toBe(0);
    expect(parse(then)).toMatchObject({
      ok: true,
      issuer: 'joe',
      claims: { 'http://example.com/is_root': true },
    });
    const today = await tokengate(['verify', A1.token, '--secret-base64', A1.k, '--json']);
    expect(today.code).toBe(1);
    expect(parse(today)).toMatchObject({ ok: false, reason: 'expired' });
    // seconds since the epoch, and just after exp (+ the 5 s tolerance): expired
    expect((await tokengate(['verify', A1.token, '--secret-base64', A1.k, '--at', '1300819000'])).code).toBe(
      0,
    );
    const after = await tokengate(['verify', A1.token, '--secret-base64', A1.k, '--at', '1300819386']);
    expect(after.code).toBe(1);
    expect(after.stderr).toContain('expired');
  });

  it('A.1 with the same key as padded standard base64 (jwt.io’s box) verifies too; a wrong key does not', async () => {
    const standard = Buffer.from(A1.k, 'base64url').toString('base64');
    expect(standard).toMatch(/[+/=]/);
    const run = await tokengate(['verify', A1.token, '--secret-base64', standard, '--at', BEFORE_EXP]);
    expect(run.code).toBe(0);
    const wrong = Buffer.from(A1.k, 'base64url');
    wrong[0]! ^= 1;
    const bad = await tokengate([
      'verify',
      A1.token,
      '--secret-base64',
      wrong.toString('base64url'),
      '--at',
      BEFORE_EXP,
      '--json',
    ]);
    expect(parse(bad)).toMatchObject({ ok: false, reason: 'bad_signature' });
    // The base64 text is the key as text: as --secret it is a different key.
    const asText = await tokengate(['verify', A1.token, '--secret', A1.k, '--at', BEFORE_EXP, '--json']);
    expect(parse(asText)).toMatchObject({ ok: false, reason: 'bad_signature' });
  });

  it('A.2 (RS256, the RFC’s public key as a JWK file): verified as of 2011', async () => {
    const key = await tmp.write('rfc7515-a2.jwk.json', A2.jwk);
    const then = await tokengate(['verify', A2.token, '--public-key', key, '--at', BEFORE_EXP, '--json']);
    expect(then.code).toBe(0);
    expect(parse(then)).toMatchObject({ ok: true, header: { alg: 'RS256' }, issuer: 'joe' });
    const today = await tokengate(['verify', A2.token, '--public-key', key, '--json']);
    expect(parse(today)).toMatchObject({ ok: false, reason: 'expired' });
  });

  it('takes relative times, and refuses a time it cannot read (exit 2)', async () => {
    const token = (await tokengate(['sign', '--secret', SECRET, '--exp', '1h'])).stdout.trim();
    expect((await tokengate(['verify', token, '--secret', SECRET, '--at', '+30m'])).code).toBe(0);
    expect((await tokengate(['verify', token, '--secret', SECRET, '--at=+2h'])).code).toBe(1);
    const bad = await tokengate(['verify', token, '--secret', SECRET, '--at', 'next tuesday']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--at must be');
  });

  it('refuses --secret-base64 that is not base64, without echoing it', async () => {
    const run = await tokengate(['verify', A1.token, '--secret-base64', 'not base64!secret']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--secret-base64 is not base64');
    expect(run.stderr).not.toContain('secret!');
  });
});

describe.concurrent('sign: expired test tokens, base64 secrets, re-signing', () => {
  it('--exp=-1h makes a token that expired an hour ago (and --nbf may be negative)', async () => {
    const run = await tokengate([
      'sign',
      '--secret',
      SECRET,
      '--sub',
      'bob',
      '--exp=-1h',
      '--nbf=-2h',
      '--json',
    ]);
    expect(run.code).toBe(0);
    const { token, payload } = parse(run);
    expect(payload.exp - payload.iat).toBe(-3600);
    expect(payload.nbf - payload.iat).toBe(-7200);
    const error = await createVerifier({ secret: SECRET })
      .verify(token)
      .catch((e: unknown) => e);
    expect(isAuthError(error) && error.reason).toBe('expired');
    const verify = await tokengate(['verify', token, '--secret', SECRET]);
    expect(verify.code).toBe(1);
    expect(verify.stderr).toMatch(/expired 60 min ago/);
  });

  it('--secret-base64 signs with the decoded bytes (RFC 7515 A.1 key)', async () => {
    const run = await tokengate(['sign', '--secret-base64', A1.k, '--sub', 'x', '--json']);
    expect(run.code).toBe(0);
    const secret = new Uint8Array(Buffer.from(A1.k, 'base64url'));
    expect((await createVerifier({ secret }).verify(parse(run).token)).subject).toBe('x');
  });

  it('--from re-signs a token with edits: --set (JSON or text), --unset, claim flags', async () => {
    const original = parse(
      await tokengate([
        'sign',
        '--secret',
        SECRET,
        '--sub',
        'alice',
        '--jti',
        'one',
        '--kid',
        'k1',
        '--typ',
        'at+jwt',
        '--claims',
        '{"scope":"orders:read","tenant":"acme"}',
        '--json',
      ]),
    );
    const other = 'another-secret-that-is-long-enough-for-hs256';
    const run = await tokengate([
      'sign',
      '--secret',
      other,
      '--from',
      original.token,
      '--set',
      'scope=orders:read orders:write',
      '--set',
      'level=3',
      '--set',
      'roles=["admin"]',
      '--unset',
      'jti',
      '--sub',
      'bob',
      '--json',
    ]);
    expect(run.code).toBe(0);
    const { token, header, payload } = parse(run);
    expect(header).toEqual({ alg: 'HS256', typ: 'at+jwt', kid: 'k1' });
    expect(payload).toEqual({
      iat: original.payload.iat,
      exp: original.payload.exp,
      sub: 'bob',
      tenant: 'acme',
      scope: 'orders:read orders:write',
      level: 3,
      roles: ['admin'],
    });
    // (the default typ policy: with `typ: 'at+jwt'` RFC 9068 would need the `jti` unset above)
    const auth = await createVerifier({ secret: other }).verify(token);
    expect([...auth.scopes]).toEqual(['orders:read', 'orders:write']);
    expect([...auth.roles]).toEqual(['admin']);
  });

  it('--from reads stdin with "-", re-signs an alg "none" token properly, and --exp replaces its exp', async () => {
    const unsecured = rawToken({ alg: 'none' }, { sub: 'mallory', exp: now() - 10 }, '');
    const run = await tokengate(['sign', '--secret', SECRET, '--from', '-', '--exp', '10m', '--json'], {
      input: `Bearer ${unsecured}\n`,
    });
    expect(run.code).toBe(0);
    const { token } = parse(run);
    expect(decodeJwt(token).header.alg).toBe('HS256');
    expect((await createVerifier({ secret: SECRET }).verify(token)).subject).toBe('mallory');
    const bad = await tokengate(['sign', '--secret', SECRET, '--from', 'not-a-token']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--from is not a decodable JWT');
    const noEquals = await tokengate(['sign', '--secret', SECRET, '--set', 'scope']);
    expect(noEquals.code).toBe(2);
    expect(noEquals.stderr).toContain('--set takes name=value');
  });
});

describe.concurrent('verify explains an alg "none" token', () => {
  it.each([
    ['--secret', ['--secret', SECRET]],
    ['--secret and --alg', ['--secret', SECRET, '--alg', 'HS256']],
  ])('says it is unsecured, never "signed with undefined" (%s)', async (_name, flags) => {
    const token = rawToken({ alg: 'none' }, { sub: 'mallory', exp: now() + 60 }, '');
    const run = await tokengate(['verify', token, ...flags]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('alg "none"');
    expect(run.stderr).not.toContain('undefined');
  });
});
