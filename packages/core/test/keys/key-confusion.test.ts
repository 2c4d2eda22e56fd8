/**
 * Key confusion (research/security.md §2.1, §2.5, §2.8): a public key is never accepted as an
 * HMAC secret, in any spelling, and a public-key option never yields an HMAC key. The rule lives
 * in keys/key-confusion.ts; these tests pin it there and where each option applies it.
 */
import { generateKeyPairSync } from 'node:crypto';
import { createVerifier, isAuthError } from '@tokengate/core';
import { describe, expect, it } from 'vitest';
import { selectBackend } from '../../src/crypto/index.js';
import {
  PUBLIC_KEY_AS_SECRET,
  publicKeyAsSecret,
  SECRET_AS_PUBLIC_KEY,
  secretAsPublicKey,
} from '../../src/keys/key-confusion.js';

const utf8 = (text: string) => new TextEncoder().encode(text);
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const ed = generateKeyPairSync('ed25519');
const pem = rsa.publicKey.export({ type: 'spki', format: 'pem' }) as string;
const jwk = ec.publicKey.export({ format: 'jwk' });
const CERTIFICATE = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

describe('rule 1: a public key is never an HMAC secret', () => {
  const publicKeys: Array<[string, Uint8Array]> = [
    ['SPKI PEM', utf8(pem)],
    ['SPKI PEM after whitespace (fast-jwt CVE-2026-34950)', utf8(`\n  ${pem}`)],
    ['SPKI PEM after a zero-width space (GHSA-ww5h-9m49-7xx4)', utf8(`\u200b${pem}`)],
    ['SPKI PEM after a comment line', utf8(`# issuer key\n${pem}`)],
    ['PKCS#1 RSA PEM', utf8(rsa.publicKey.export({ type: 'pkcs1', format: 'pem' }) as string)],
    ['an X.509 certificate', utf8(CERTIFICATE)],
    ['RSA SPKI DER', new Uint8Array(rsa.publicKey.export({ type: 'spki', format: 'der' }))],
    ['EC SPKI DER', new Uint8Array(ec.publicKey.export({ type: 'spki', format: 'der' }))],
    ['Ed25519 SPKI DER', new Uint8Array(ed.publicKey.export({ type: 'spki', format: 'der' }))],
    ['a JWK as JSON', utf8(JSON.stringify(jwk))],
    ['a JWK set as JSON, padded', utf8(` ${JSON.stringify({ keys: [jwk] })}\n`)],
    ['an OpenSSH RSA key', utf8('ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQ user@host')],
    ['an OpenSSH ECDSA key (PyJWT CVE-2022-29217)', utf8('ecdsa-sha2-nistp256 AAAAE2VjZHNh user@host')],
    ['an OpenSSH Ed25519 key', utf8('ssh-ed25519 AAAAC3NzaC1lZDI1NTE5 user@host')],
    ['an OpenSSH security-key key', utf8('sk-ssh-ed25519@openssh.com AAAAGnNr user@host')],
  ];
  it.each(publicKeys)('refuses %s', (_, bytes) => {
    expect(publicKeyAsSecret(bytes)).toBe(PUBLIC_KEY_AS_SECRET);
  });

  const secrets: Array<[string, Uint8Array]> = [
    ['random bytes', new Uint8Array(32).map((_, i) => (i * 97 + 13) & 0xff)],
    ['a passphrase', utf8('correct horse battery staple, twice over')],
    ['JSON that is no key', utf8('{"tenant":"a","secret":"0123456789abcdef0123456789abcdef"}')],
    ['text that mentions BEGIN', utf8('BEGIN here: 0123456789abcdef0123456789abcdef')],
    ['a DER sequence with no key algorithm', new Uint8Array([0x30, ...new Array(40).fill(7)])],
  ];
  it.each(secrets)('accepts %s', (_, bytes) => {
    expect(publicKeyAsSecret(bytes)).toBeUndefined();
  });

  it('holds for the secret option, naming the entry of a list, at start-up', () => {
    const good = 'a-32-byte-or-longer-hmac-secret-value!';
    expect(() => createVerifier({ secret: pem })).toThrow(/option "secret" is a public key/);
    expect(() => createVerifier({ secret: [good, ` ${pem}`] })).toThrow(
      /option "secret"\[1\] is a public key/,
    );
    expect(() =>
      createVerifier({ secret: new Uint8Array(rsa.publicKey.export({ type: 'spki', format: 'der' })) }),
    ).toThrow(TypeError);
  });

  it('holds for a secret function: a public key it returns verifies nothing (401 unknown_key)', async () => {
    const verifier = createVerifier({ secret: () => pem, cache: false });
    const header = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');
    const payload = Buffer.from(JSON.stringify({ sub: 'a', exp: 4_000_000_000 })).toString('base64url');
    const error = await verifier.verify(`${header}.${payload}.${'A'.repeat(43)}`).catch((e: unknown) => e);
    expect(isAuthError(error) && [error.status, error.code, error.reason]).toEqual([
      401,
      'invalid_token',
      'unknown_key',
    ]);
  });
});

describe('rule 2: a public-key option never yields an HMAC key', () => {
  it('refuses an imported symmetric key, and nothing else', () => {
    const backend = selectBackend('node');
    expect(secretAsPublicKey(backend.importSecret(new Uint8Array(32)))).toBe(SECRET_AS_PUBLIC_KEY);
    expect(secretAsPublicKey(backend.importJwk(jwk as JsonWebKey) as never)).toBeUndefined();
  });

  it('holds for publicKey (JWK or KeyObject) and for a key set, at start-up', () => {
    const oct = { kty: 'oct', k: Buffer.alloc(32, 1).toString('base64url') };
    expect(() => createVerifier({ publicKey: oct as JsonWebKey })).toThrow(
      /option "publicKey" is a symmetric key; use option "secret"/,
    );
    expect(() => createVerifier({ jwks: { keys: [oct as JsonWebKey] } })).toThrow(/symmetric/);
  });
});
