import { execFileSync, spawn } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createVerifier } from '@tokengate/core';
import { createTestIssuer } from '@tokengate/core/testing';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, buildCli, type Run, rawToken, tempDir, tokengate } from './helpers.js';

type Temp = Awaited<ReturnType<typeof tempDir>>;
let tmp: Temp;
const SECRET = 'cli-test-secret-that-is-long-enough-for-hs256';
const now = () => Math.floor(Date.now() / 1000);
const parse = (run: Run) => JSON.parse(run.stdout) as Record<string, any>;
/** Claims whose numeric `exp`/`nbf`/`iat` are offsets from now, resolved when the test runs. */
const relative = (claims: Record<string, unknown>) =>
  Object.fromEntries(
    Object.entries(claims).map(([k, v]) => [
      k,
      ['exp', 'nbf', 'iat'].includes(k) && typeof v === 'number' ? now() + v : v,
    ]),
  );

async function hsToken(
  payload: Record<string, unknown>,
  header: Record<string, unknown> = {},
): Promise<string> {
  return new SignJWT(payload)
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT', ...header })
    .sign(new TextEncoder().encode(SECRET));
}

beforeAll(async () => {
  buildCli();
  tmp = await tempDir();
});
afterAll(() => tmp.remove());

describe.concurrent('help and usage', () => {
  it('prints global help with every command, and --version', async () => {
    const help = await tokengate(['--help']);
    expect(help.code).toBe(0);
    for (const name of ['decode', 'verify', 'sign', 'keygen']) expect(help.stdout).toContain(`  ${name} `);
    const version = await tokengate(['--version']);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it.each([
    ['decode', '--help'],
    ['verify', '-h'],
    ['help', 'sign'],
    ['keygen', '--help'],
  ])('prints the help of a command (%s %s)', async (...args) => {
    const name = args[0] === 'help' ? args[1] : args[0];
    const run = await tokengate(args);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`tokengate ${name} — `);
    expect(run.stdout).toContain('Usage:');
    expect(run.stdout).toContain('--json');
  });

  it('exits 2 with one line for no command, an unknown command or an unknown option', async () => {
    const none = await tokengate([]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('Commands:');
    const unknown = await tokengate(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toBe(
      'tokengate: unknown command "frobnicate"; commands: decode, verify, sign, keygen, dpop, introspect (see tokengate --help)\n',
    );
    const pasted = await tokengate(['eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl']);
    expect(pasted.code).toBe(2);
    expect(pasted.stderr).toContain(
      'unknown command; commands: decode, verify, sign, keygen, dpop, introspect (to inspect a token: tokengate decode <token>)',
    );
    expect(pasted.stderr).not.toContain('eyJ');
    const flag = await tokengate(['verify', 'x.y.z', '--secrte=hunter2-hunter2']);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toBe(
      'tokengate verify: unknown option --secrte (did you mean --secret?) (see tokengate verify --help)\n',
    );
    expect(flag.stderr).not.toContain('hunter2');
  });

  it('reports a missing value, a repeated single flag and extra arguments', async () => {
    const missing = await tokengate(['sign', '--secret']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('option --secret needs a value');
    const twice = await tokengate(['sign', '--secret', SECRET, '--secret', SECRET]);
    expect(twice.code).toBe(2);
    expect(twice.stderr).toContain('option --secret may be given only once');
    expect(twice.stderr).not.toContain(SECRET);
    const extra = await tokengate(['decode', 'a.b.c', 'd.e.f']);
    expect(extra.code).toBe(2);
    expect(extra.stderr).toContain('decode takes at most 1 argument (got 2)');
    expect(extra.stderr).not.toContain('d.e.f');
  });

  it('answers usage errors with a JSON object too when --json is given', async () => {
    const run = await tokengate(['verify', 'a.b.c', '--json']);
    expect(run.code).toBe(2);
    expect(parse(run)).toEqual({
      ok: false,
      error: 'usage',
      message: expect.stringContaining('verify needs a key'),
    });
  });

  it('never prints a stack trace', async () => {
    const runs = await Promise.all([
      tokengate(['verify', 'not-a-token', '--public-key', '/nonexistent/key.pem']),
      tokengate(['sign', '--key', '/nonexistent/key.json']),
      tokengate(['decode', '-'], { input: '' }),
    ]);
    for (const run of runs) {
      expect(run.code).toBe(2);
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
      expect(run.stderr).not.toMatch(/\n\s+at /);
    }
    expect(runs[0]!.stderr).toContain('cannot read --public-key "/nonexistent/key.pem": no such file');
    expect(runs[2]!.stderr).toContain('stdin was empty');
  });
});

describe.concurrent('round trip keygen → sign → verify → decode', () => {
  it.each(['ES256', 'RS256', 'EdDSA', 'HS256', 'PS256'])('%s', async (alg) => {
    const keygen = await tokengate(['keygen', '--alg', alg, '--kid', `k-${alg}`, '--json']);
    expect(keygen.code).toBe(0);
    const key = parse(keygen);
    expect(key.alg).toBe(alg);
    expect(key.kid).toBe(`k-${alg}`);
    const privatePath = await tmp.write(`${alg}.private.json`, key.privateJwk);
    const signed = await tokengate([
      'sign',
      '--key',
      privatePath,
      '--sub',
      'alice',
      '--iss',
      'https://idp.example.com/',
      '--aud',
      'api://orders',
      '--claims',
      '{"scope":"orders:read orders:write","roles":["admin"]}',
      '--exp',
      '10m',
    ]);
    expect(signed.code).toBe(0);
    const token = signed.stdout.trim();
    expect(token.split('.')).toHaveLength(3);

    const keyArgs =
      alg === 'HS256'
        ? ['--secret-file', await tmp.write('hs.secret', `${key.secret}\n`)]
        : ['--jwks', await tmp.write(`${alg}.jwks.json`, key.jwks)];
    const verified = await tokengate([
      'verify',
      token,
      ...keyArgs,
      '--issuer',
      'https://idp.example.com/',
      '--audience',
      'api://orders',
      '--json',
    ]);
    expect(verified.code).toBe(0);
    const result = parse(verified);
    expect(result).toMatchObject({
      ok: true,
      subject: 'alice',
      issuer: 'https://idp.example.com/',
      audience: 'api://orders',
      scopes: ['orders:read', 'orders:write'],
      roles: ['admin'],
      header: { alg, kid: `k-${alg}`, typ: 'JWT' },
    });
    expect(result.expiresAt - now()).toBeGreaterThan(590);
    expect(result.expiresAt - now()).toBeLessThanOrEqual(600);

    // the same token through core directly: the CLI's keys are real keys
    const core = createVerifier(
      alg === 'HS256' ? { secret: key.secret as string } : { jwks: key.jwks, algorithms: [alg as 'ES256'] },
    );
    expect((await core.verify(token)).subject).toBe('alice');

    const decoded = await tokengate(['decode', token, '--json']);
    expect(decoded.code).toBe(0);
    expect(parse(decoded)).toMatchObject({
      ok: true,
      verified: false,
      header: { alg, kid: `k-${alg}` },
      payload: { sub: 'alice', aud: 'api://orders' },
      times: {
        exp: { relative: 'expires in 10 min' },
        iat: { relative: expect.stringMatching(/^issued \d s ago$/) },
      },
      warnings: alg === 'HS256' ? [{ code: 'symmetric_public_issuer' }] : [],
    });

    // another key with the same kid does not verify it
    const otherSecret = randomBytes(32).toString('base64url');
    const otherKey = async () => {
      const idp = await createTestIssuer({ alg: alg === 'PS256' ? 'RS256' : (alg as 'ES256') });
      return { keys: [{ ...idp.publicJwk, kid: `k-${alg}`, alg }] };
    };
    const otherArgs =
      alg === 'HS256'
        ? ['--secret', otherSecret]
        : ['--jwks', await tmp.write(`${alg}.other.json`, await otherKey())];
    const refused = await tokengate(['verify', token, ...otherArgs]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('invalid_token (bad_signature)');
    expect(refused.stderr).not.toContain(token);
    expect(refused.stderr + refused.stdout).not.toContain(otherSecret);
  });
});

describe.concurrent('keygen', () => {
  it('prints a private JWK and a public JWKS without private parts', async () => {
    const run = await tokengate(['keygen', '--alg', 'ES256']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Private JWK');
    expect(run.stdout).toContain('Public JWKS');
    const { privateJwk, jwks, kid } = parse(await tokengate(['keygen', '--json']));
    expect(privateJwk).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig', kid });
    expect(typeof privateJwk.d).toBe('string');
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0].d).toBeUndefined();
    expect(kid).toMatch(/^[A-Za-z0-9_-]{43}$/); // RFC 7638 SHA-256 thumbprint
  });

  it('makes an HMAC secret of 32+ random bytes whose oct JWK is the same key', async () => {
    const a = parse(await tokengate(['keygen', '--alg', 'HS256', '--json']));
    const b = parse(await tokengate(['keygen', '--alg', 'HS256', '--json']));
    expect(a.secret).not.toBe(b.secret);
    expect(Buffer.from(a.secret, 'base64url')).toHaveLength(32);
    expect(Buffer.from(a.privateJwk.k, 'base64url').toString('utf8')).toBe(a.secret);
    // sign with the oct JWK, verify with the secret text
    const jwkPath = await tmp.write('oct.json', a.privateJwk);
    const token = (await tokengate(['sign', '--key', jwkPath, '--sub', 'bob'])).stdout.trim();
    const verified = await tokengate(['verify', token, `--secret=${a.secret}`, '--json']); // a base64url secret may start with "-"
    expect(verified.code).toBe(0);
    expect(parse(verified).subject).toBe('bob');
    expect(parse(verified).header.kid).toBe(a.kid);
  });

  it('writes key files with --out (private ones mode 600) and never overwrites them', async () => {
    const dir = join(tmp.dir, 'keys-out');
    const run = await tokengate(['keygen', '--alg', 'ES256', '--out', dir, '--json']);
    expect(run.code).toBe(0);
    const { files, kid } = parse(run);
    expect(files).toEqual([join(dir, 'private.jwk.json'), join(dir, 'jwks.json')]);
    expect(statSync(files[0]).mode & 0o777).toBe(0o600);
    const jwks = JSON.parse(readFileSync(files[1], 'utf8'));
    expect(jwks.keys[0].kid).toBe(kid);
    expect(jwks.keys[0].d).toBeUndefined();
    const token = (await tokengate(['sign', '--key', files[0], '--sub', 'out'])).stdout.trim();
    expect((await tokengate(['verify', token, '--jwks', files[1]])).code).toBe(0);
    const before = readFileSync(files[0], 'utf8');
    const again = await tokengate(['keygen', '--alg', 'ES256', '--out', dir]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('already exists; keygen never overwrites a key');
    expect(readFileSync(files[0], 'utf8')).toBe(before);
    const hmac = await tokengate(['keygen', '--alg', 'HS512', '--out', join(tmp.dir, 'hs-out')]);
    expect(hmac.stdout).toContain('secret.txt');
    const secret = readFileSync(join(tmp.dir, 'hs-out', 'secret.txt'), 'utf8').trim();
    expect(Buffer.from(secret, 'base64url')).toHaveLength(64);
    expect(statSync(join(tmp.dir, 'hs-out', 'secret.txt')).mode & 0o777).toBe(0o600);
  });

  it('refuses an unknown algorithm', async () => {
    const run = await tokengate(['keygen', '--alg', 'none']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--alg must be one of HS256');
  });
});

describe.concurrent('sign', () => {
  it('signs with a secret, sets iat/exp/nbf and the claims flags, and core verifies it', async () => {
    const run = await tokengate([
      'sign',
      '--secret',
      SECRET,
      '--claims',
      // RFC 9068's claims, which `typ: 'at+jwt'` requires of the verifier below
      '{"sub":"overridden","tenant":"acme","iss":"https://as.example/","client_id":"cli"}',
      '--sub',
      'carol',
      '--aud',
      'a1',
      '--aud',
      'a2',
      '--jti',
      'id-1',
      '--typ',
      'at+jwt',
      '--exp',
      '2h',
      '--nbf',
      '0s',
      '--json',
    ]);
    expect(run.code).toBe(0);
    const { token, header, payload } = parse(run);
    expect(header).toEqual({ alg: 'HS256', typ: 'at+jwt' });
    expect(payload).toMatchObject({ sub: 'carol', tenant: 'acme', aud: ['a1', 'a2'], jti: 'id-1' });
    expect(payload.exp - payload.iat).toBe(7200);
    expect(Math.abs(payload.iat - now())).toBeLessThanOrEqual(2);
    const auth = await createVerifier({ secret: SECRET, typ: 'at+jwt', audience: 'a2' }).verify(token);
    expect(auth.subject).toBe('carol');
  });

  it('keeps exp from --claims unless --exp is given, and defaults to 15 minutes', async () => {
    const exp = now() + 42;
    const kept = parse(
      await tokengate(['sign', '--secret', SECRET, '--claims', JSON.stringify({ exp }), '--json']),
    );
    expect(kept.payload.exp).toBe(exp);
    const fallback = parse(await tokengate(['sign', '--secret', SECRET, '--json']));
    expect(fallback.payload.exp - fallback.payload.iat).toBe(900);
  });

  it('reads claims from @file and from @- (stdin)', async () => {
    const file = await tmp.write('claims.json', { sub: 'from-file' });
    const fromFile = parse(await tokengate(['sign', '--secret', SECRET, '--claims', `@${file}`, '--json']));
    expect(fromFile.payload.sub).toBe('from-file');
    const fromStdin = parse(
      await tokengate(['sign', '--secret', SECRET, '--claims', '@-', '--json'], {
        input: '{"sub":"from-stdin"}',
      }),
    );
    expect(fromStdin.payload.sub).toBe('from-stdin');
  });

  it('signs with PKCS#8 and PKCS#1 PEM keys, inferring the algorithm', async () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const cases = [
      {
        pem: ec.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
        pub: ec.publicKey,
        alg: 'ES256',
      },
      {
        pem: rsa.privateKey.export({ type: 'pkcs1', format: 'pem' }) as string,
        pub: rsa.publicKey,
        alg: 'RS256',
      },
    ];
    for (const { pem, pub, alg } of cases) {
      const keyPath = await tmp.write(`${alg}.pem`, pem);
      const pubPath = await tmp.write(
        `${alg}.pub.pem`,
        pub.export({ type: 'spki', format: 'pem' }) as string,
      );
      const token = (await tokengate(['sign', '--key', keyPath, '--sub', 'pem'])).stdout.trim();
      const verified = await tokengate(['verify', token, '--public-key', pubPath, '--json']);
      expect(verified.code).toBe(0);
      expect(parse(verified).header.alg).toBe(alg);
    }
  });

  it.each([
    [['--secret', SECRET, '--claims', '{"sub": nope'], '--claims is not valid JSON'],
    [['--secret', SECRET, '--claims', '[1,2]'], '--claims must be a JSON object'],
    [['--secret', SECRET, '--alg', 'none'], '--alg none makes an unsecured token; refusing'],
    [['--secret', SECRET, '--alg', 'ES256'], '--secret signs HMAC tokens (HS256/384/512), not ES256'],
    [['--secret', 'short-secret-value'], '--secret: the secret is 18 bytes; HMAC needs at least'],
    [['--secret', SECRET, '--exp', 'soon'], '--exp must be a duration such as 30s'],
    [[], 'sign needs a key: --secret, --secret-file, --secret-base64 or --key'],
    [['--secret', SECRET, '--secret-file', 'x'], 'give one key, not --secret and --secret-file'],
  ])('refuses bad input %j', async (args, message) => {
    const run = await tokengate(['sign', ...args]);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(message);
    expect(run.stderr).not.toContain('short-secret-value');
    expect(run.stderr).not.toContain(SECRET);
  });

  it('refuses public keys and garbage as --key without echoing the file', async () => {
    const keygen = parse(await tokengate(['keygen', '--json']));
    const pub = await tmp.write('pub.jwk.json', keygen.jwks.keys[0]);
    const set = await tmp.write('set.json', keygen.jwks);
    const garbage = await tmp.write('garbage.pem', 'not a key: SUPERSECRETMATERIAL');
    const spki = await tmp.write(
      'spki.pem',
      generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }) as string,
    );
    const expectations: [string, string][] = [
      [pub, 'is a public key; signing needs the private key'],
      [set, 'holds a key set; give one private JWK'],
      [garbage, 'is not a private key in PEM (PKCS#8, PKCS#1, SEC1) or JWK form'],
      [spki, 'is a public key or certificate; signing needs the private key'],
    ];
    for (const [path, message] of expectations) {
      const run = await tokengate(['sign', '--key', path]);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain(message);
      expect(run.stderr).not.toContain('SUPERSECRETMATERIAL');
    }
    const priv = await tmp.write('priv.json', keygen.privateJwk);
    const mismatch = await tokengate(['sign', '--key', priv, '--alg', 'RS256']);
    expect(mismatch.code).toBe(2);
    expect(mismatch.stderr).toContain('--alg RS256 does not match the key\'s "alg" ES256');
    expect(mismatch.stderr).not.toContain(keygen.privateJwk.d);
  });
});

describe.concurrent('decode', () => {
  it('pretty-prints header, payload and times, reads stdin and strips "Bearer "', async () => {
    const t = now();
    const token = await hsToken({ sub: 'dave', iat: t - 3 * 3600 - 60, exp: t - 3 * 3600 + 60 });
    const run = await tokengate(['decode', '-'], { input: `Bearer ${token}\n` });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Decoded only: the signature is NOT verified');
    expect(run.stdout).toContain('Header\n{\n  "alg": "HS256",\n  "typ": "JWT"\n}');
    expect(run.stdout).toContain('"sub": "dave"');
    expect(run.stdout).toMatch(/exp {2}\d{4}-\d\d-\d\dT[\d:.]+Z {2}expired 3 h ago/);
    expect(run.stdout).toMatch(/iat {2}\S+ {2}issued 3 h ago/);
    expect(run.stdout).toContain('Warnings');
  });

  it('shows an alg "none" token with a loud warning instead of refusing it', async () => {
    const token = rawToken({ alg: 'none' }, { sub: 'mallory', exp: now() + 60 }, '');
    const run = await tokengate(['decode', token]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('"sub": "mallory"');
    expect(run.stdout).toContain('! UNSECURED TOKEN: alg "none" has no signature');
    const json = parse(await tokengate(['decode', token, '--json']));
    expect(json.warnings.map((w: { code: string }) => w.code)).toEqual(['alg_none']);
    // verify still refuses it
    const verify = await tokengate(['verify', token, '--secret', SECRET, '--json']);
    expect(verify.code).toBe(1);
    expect(parse(verify)).toMatchObject({ ok: false, code: 'invalid_token', reason: 'alg_not_allowed' });
  });

  it.each([
    ['no exp', {}, {}, ['no_exp']],
    ['a lifetime over 24 h', { iat: 0, exp: 30 * 86400 }, {}, ['long_lifetime']],
    [
      'HS256 from an https issuer',
      { iss: 'https://idp.example.com', exp: 60 },
      {},
      ['symmetric_public_issuer'],
    ],
    ['a key in the header', { exp: 60 }, { jku: 'https://evil.example/jwks' }, ['embedded_key']],
    ['not yet valid', { nbf: 3600, exp: 7200 }, {}, ['not_yet_valid']],
    ['a string exp', { exp: 'tomorrow' }, {}, ['bad_time_claim']],
  ])('warns about %s', async (_name, payload, header, codes) => {
    const token = await hsToken(relative(payload), header);
    const run = await tokengate(['decode', token, '--json']);
    expect(run.code).toBe(0);
    expect(parse(run).warnings.map((w: { code: string }) => w.code)).toEqual(codes);
  });

  it('has no warnings for a short-lived asymmetric token', async () => {
    const idp = await createTestIssuer({ alg: 'ES256', issuer: 'https://idp.example.com/' });
    const token = await idp.sign({ sub: 'erin' }, { expiresIn: '5m' });
    const run = await tokengate(['decode', token]);
    expect(run.stdout).not.toContain('Warnings');
    expect(run.stdout).toContain('expires in 5 min');
  });

  it.each([
    ['not.a.jwt', 'not a JWT: token header is not canonical base64url'],
    ['abc', 'not a JWT: token is not a compact JWS (expected 3 segments)'],
    ['a.b.c.d.e', 'not a JWT: encrypted tokens (JWE) are not accepted'],
  ])('exits 1 for %s', async (input, message) => {
    const run = await tokengate(['decode', input]);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(`tokengate decode: ${message}\n`);
    const json = await tokengate(['decode', input, '--json']);
    expect(parse(json)).toMatchObject({ ok: false, code: 'invalid_token', reason: 'malformed' });
  });
});

describe.concurrent('verify', () => {
  it('prints OK and a claims summary', async () => {
    const token = await hsToken({ sub: 'frank', scp: ['a', 'b'], groups: 'ops', exp: now() + 720 });
    const run = await tokengate(['verify', token, '--secret', SECRET]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^✔ verified \(HS256\)\n/);
    expect(run.stdout).toContain('  subject   frank\n');
    expect(run.stdout).toContain('  scopes    a b\n');
    expect(run.stdout).toContain('  roles     ops\n');
    expect(run.stdout).toMatch(/ {2}expires {3}\S+Z {2}expires in 12 min\n/);
  });

  it.each([
    [
      'expired',
      { exp: -3 * 3600 },
      [],
      'expired',
      /^the token expired 3 h ago \(exp \d{4}-.*Z\); get a fresh token/,
    ],
    [
      'not yet valid',
      { nbf: 600, exp: 1200 },
      [],
      'not_yet_valid',
      /^the token is not valid for another 10 min/,
    ],
    [
      'too old',
      { iat: -7200, exp: 60 },
      ['--max-token-age', '1h'],
      'expired',
      /^the token was issued 2 h ago .*--max-token-age/,
    ],
    [
      'wrong issuer',
      { iss: 'https://a.example/', exp: 60 },
      ['--issuer', 'https://b.example/'],
      'issuer',
      /^the token's iss is "https:\/\/a\.example\/", but --issuer expects "https:\/\/b\.example\/"/,
    ],
    [
      'wrong audience',
      { aud: ['x', 'y'], exp: 60 },
      ['--audience', 'z'],
      'audience',
      /^the token's aud is \["x","y"\], but --audience expects "z"$/,
    ],
    ['no exp', {}, [], 'claims', /^the token has no "exp"/],
    [
      'a required claim',
      { exp: 60 },
      ['--require', 'tenant'],
      'claims',
      /required claim "tenant" is missing/,
    ],
    [
      'a long lifetime',
      { iat: 0, exp: 86400 * 2 },
      ['--max-token-lifetime', '1d'],
      'claims',
      /^the token lives 2 d .*--max-token-lifetime/,
    ],
    [
      'the wrong typ',
      { exp: 60 },
      ['--typ', 'at+jwt'],
      'type',
      /^the token's typ header is "JWT", but --typ expects "at\+jwt"$/,
    ],
  ])('explains %s', async (_name, payload, flags, reason, explanation) => {
    const token = await hsToken(relative(payload));
    const json = await tokengate(['verify', token, '--secret', SECRET, ...flags, '--json']);
    expect(json.code).toBe(1);
    const body = parse(json);
    expect(body).toMatchObject({ ok: false, code: 'invalid_token', reason, status: 401 });
    expect(body.explanation).toMatch(explanation);
    expect(json.stdout).not.toContain(token);
    expect(json.stdout).not.toContain(SECRET);
  });

  it('prints a failure on stderr: code, reason and message, then the explanation', async () => {
    const token = await hsToken({ exp: now() - 3 * 3600 });
    const run = await tokengate(['verify', token, '--secret', SECRET]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    const lines = run.stderr.split('\n');
    expect(lines[0]).toBe('✘ rejected: invalid_token (expired) — token has expired');
    expect(lines[1]).toMatch(
      /^ {2}the token expired 3 h ago \(exp \d{4}-\d\d-\d\dT[\d:.]+Z\); get a fresh token, or check this machine's clock$/,
    );
    expect(lines).toHaveLength(3);
  });

  it('honours --clock-tolerance', async () => {
    const token = await hsToken({ exp: now() - 20 });
    expect((await tokengate(['verify', token, '--secret', SECRET])).code).toBe(1);
    expect((await tokengate(['verify', token, '--secret', SECRET, '--clock-tolerance', '1m'])).code).toBe(0);
    const bad = await tokengate(['verify', token, '--secret', SECRET, '--clock-tolerance', 'later']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--clock-tolerance must be a duration');
  });

  it('refuses an HMAC token against a public key (algorithm confusion) and explains why', async () => {
    const idp = await createTestIssuer({ alg: 'RS256' });
    const pem = await tmp.write('rs.pub.pem', idp.publicKeyPem!);
    const token = await hsToken({ exp: now() + 60 });
    const run = await tokengate(['verify', token, '--public-key', pem, '--json']);
    expect(run.code).toBe(1);
    expect(parse(run)).toMatchObject({ reason: 'alg_not_allowed' });
    expect(parse(run).explanation).toContain('never accepted with public keys (algorithm confusion)');
    const good = await tokengate(['verify', await idp.sign({ sub: 'gina' }), '--public-key', pem, '--json']);
    expect(good.code).toBe(0);
    expect(parse(good).subject).toBe('gina');
  });

  it('names the JWKS kids when the token’s kid is unknown', async () => {
    const idp = await createTestIssuer({ alg: 'ES256', kid: 'kid-a' });
    const jwks = await tmp.write('idp.jwks.json', idp.jwks);
    const token = await idp.sign({}, { kid: 'kid-b' });
    const run = await tokengate(['verify', token, '--jwks', jwks, '--json']);
    expect(run.code).toBe(1);
    expect(parse(run)).toMatchObject({ reason: 'unknown_key' });
    expect(parse(run).explanation).toContain('has the token\'s kid "kid-b" (the JWKS has kid "kid-a")');
  });

  it.each([
    ['tampered', 'bad_signature'],
    ['wrong-key', 'bad_signature'],
  ] as const)('rejects a %s token from the test issuer', async (defect, reason) => {
    const idp = await createTestIssuer({ alg: 'EdDSA' });
    const jwks = await tmp.write(`ed-${defect}.json`, idp.jwks);
    const run = await tokengate(['verify', await idp.sign({}, { defect }), '--jwks', jwks, '--json']);
    expect(run.code).toBe(1);
    expect(parse(run).reason).toBe(reason);
  });

  it('reports usage errors with exit code 2 and no secret', async () => {
    const token = await hsToken({ exp: now() + 60 });
    const pub = await tmp.write(
      'private-as-public.json',
      parse(await tokengate(['keygen', '--json'])).privateJwk,
    );
    const cases: [string[], string][] = [
      [[token], 'verify needs a key'],
      [[token, '--secret', SECRET, '--jwks', 'x.json'], 'give one key source, not --secret and --jwks'],
      [[token, '--secret', 'tiny-secret-value'], '--secret: the secret is 17 bytes'],
      [[token, '--secret', SECRET, '--alg', 'RS256'], '--alg lists an asymmetric algorithm'],
      [[token, '--secret', SECRET, '--alg', 'none'], '--alg must not contain "none"'],
      [[token, '--public-key', pub], 'is a private key; verify with the public one'],
      [[token, '--jwks', pub], 'holds a single JWK; use --public-key for it'],
      [['--secret', SECRET], 'verify needs a token (or "-" to read it from stdin)'],
      [
        [token, '--issuer', 'https://a.example/', '--issuer', 'https://b.example/'],
        'OIDC discovery needs exactly one --issuer',
      ],
    ];
    for (const [args, message] of cases) {
      const run = await tokengate(['verify', ...args]);
      expect(run.code, message).toBe(2);
      expect(run.stderr).toContain(message);
      expect(run.stderr).not.toContain('tiny-secret-value');
      expect(run.stderr).not.toContain(SECRET);
      expect(run.stderr).not.toContain(token);
    }
  });
});

describe.concurrent('limits', () => {
  it('refuses more than 1 MiB on stdin and tokens over 8 KiB', async () => {
    const huge = await tokengate(['decode', '-'], { input: 'a'.repeat(1024 * 1024 + 1) });
    expect(huge.code).toBe(2);
    expect(huge.stderr).toContain('stdin holds more than 1 MiB');
    const long = await tokengate(['verify', '-', '--secret', SECRET, '--json'], { input: 'a'.repeat(9000) });
    expect(long.code).toBe(1);
    expect(parse(long)).toMatchObject({ code: 'invalid_token', reason: 'too_large' });
    expect(long.stdout).not.toContain('aaaaaaaa');
  });

  it('stops quietly when the reader closes the pipe early', async () => {
    const token = await hsToken({ sub: 'pipe', exp: now() + 60 });
    const result = await new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
      const child = spawn(process.execPath, [BIN, 'decode', token], { stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout.destroy(); // like `| head -0`
      let stderr = '';
      child.stderr.setEncoding('utf8').on('data', (d: string) => {
        stderr += d;
      });
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stderr }));
    });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  });
});

describe.concurrent('colour', () => {
  it('is off when piped, on with FORCE_COLOR, and off again with NO_COLOR', async () => {
    const token = await hsToken({ sub: 'hal', exp: now() + 60 });
    const plain = await tokengate(['verify', token, '--secret', SECRET]);
    expect(plain.stdout).not.toContain('\u001b[');
    const forced = await tokengate(['verify', token, '--secret', SECRET], { env: { FORCE_COLOR: '1' } });
    expect(forced.stdout).toContain('\u001b[32m');
    const noColour = await tokengate(['verify', token, '--secret', SECRET], {
      env: { FORCE_COLOR: '1', NO_COLOR: '1' },
    });
    expect(noColour.stdout).not.toContain('\u001b[');
    const json = await tokengate(['decode', token, '--json'], { env: { FORCE_COLOR: '1' } });
    expect(json.stdout).not.toContain('\u001b[');
  });
});

describe.concurrent('remote keys (a test issuer on 127.0.0.1)', () => {
  it('verifies with --jwks-uri and with --issuer alone (OIDC discovery)', async () => {
    const idp = await createTestIssuer({ alg: 'ES256' });
    const server = await idp.listen();
    try {
      const token = await idp.sign({ sub: 'ivy', scope: 'a' });
      const byUri = await tokengate(['verify', token, '--jwks-uri', server.jwksUri, '--json']);
      expect(byUri.stderr).toBe('');
      expect(byUri.code).toBe(0);
      expect(parse(byUri)).toMatchObject({ ok: true, subject: 'ivy', scopes: ['a'] });
      const byIssuer = await tokengate(['verify', token, '--issuer', server.issuer]);
      expect(byIssuer.code).toBe(0);
      expect(byIssuer.stdout).toContain(`  issuer    ${server.issuer}\n`);
      expect(server.stats.discovery).toBeGreaterThanOrEqual(1);
      expect(server.stats.jwks).toBeGreaterThanOrEqual(2);
    } finally {
      await server.close();
    }
  });

  it.each([['down'], ['issuer-mismatch'], ['5xx']] as const)(
    'exits 1 with key_source_unavailable when the issuer is %s',
    async (fault) => {
      const idp = await createTestIssuer({ alg: 'EdDSA' });
      const server = await idp.listen();
      try {
        server.faults.set(fault);
        const token = await idp.sign({ sub: 'jack' });
        const run = await tokengate([
          'verify',
          token,
          '--issuer',
          server.issuer,
          '--timeout',
          '2s',
          '--json',
        ]);
        expect(run.code).toBe(1);
        const body = parse(run);
        expect(body).toMatchObject({ ok: false, code: 'key_source_unavailable', status: 503 });
        expect(body.explanation).toMatch(
          /^the keys could not be fetched: .*; check the URL and that the endpoint answers$/,
        );
        expect(run.stdout).not.toContain(token);
      } finally {
        await server.close();
      }
    },
  );

  it('refuses a plain-http key URL that is not on loopback as a usage error', async () => {
    const run = await tokengate(['verify', 'a.b.c', '--jwks-uri', 'http://keys.example.com/jwks']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('must use https');
  });
});

describe('README', () => {
  it('runs the quick start and prints what the README shows', async () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const block = /```sh\n([\s\S]*?)```/.exec(readme)![1]!;
    const script = block
      .replace(/\\\n\s*/g, ' ')
      .split('\n')
      .filter((l) => l.startsWith('tokengate '))
      .join('\n');
    expect(script.split('\n')).toHaveLength(4);
    const dir = join(tmp.dir, 'readme');
    mkdirSync(dir);
    const out = execFileSync(
      'bash',
      ['-euo', 'pipefail', '-c', `tokengate() { "${process.execPath}" "${BIN}" "$@"; }\n${script}`],
      {
        cwd: dir,
        encoding: 'utf8',
        env: { ...process.env, NO_COLOR: '1' },
      },
    );
    const shown = /```\n(✔ verified[\s\S]*?)```/.exec(readme)![1]!;
    const date = /\d{4}-\d\d-\d\dT[\d:.]+Z/g;
    const pattern = shown
      .split(date)
      .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
      .join('\\S+');
    expect(out).toMatch(new RegExp(pattern));
    expect(out).toContain('Decoded only: the signature is NOT verified');
  });
});
