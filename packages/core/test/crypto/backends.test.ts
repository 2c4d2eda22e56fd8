/**
 * Differential test of the two signature backends: for every key and signature in the table,
 * node:crypto and WebCrypto report the same key metadata and give the same verdict, and that
 * verdict is the expected one (RSA bounds, padded moduli, exponents, `use` and `key_ops`).
 */
import { generateKeyPairSync, type KeyObject, randomBytes, sign } from 'node:crypto';
import { createVerifier, isAuthError } from '@tokengate/core';
import { describe, expect, it } from 'vitest';
import { selectBackend } from '../../src/crypto/index.js';
import { importJwks } from '../../src/keys/import.js';
import type { Algorithm } from '../../src/token/algorithms.js';

const b64u = (bytes: Uint8Array | string) => Buffer.from(bytes).toString('base64url');
const fromB64u = (text: string) => Buffer.from(text, 'base64url');
const backends = [selectBackend('node'), selectBackend('webcrypto')];

function rsa(bits: number, publicExponent = 65537) {
  return generateKeyPairSync('rsa', { modulusLength: bits, publicExponent });
}
function jwkOf(key: KeyObject): JsonWebKey {
  return key.export({ format: 'jwk' }) as JsonWebKey;
}
/** `n` or `e` with `count` zero bytes in front (same number, longer spelling). */
function padded(value: string, count: number): string {
  return b64u(Buffer.concat([Buffer.alloc(count), fromB64u(value)]));
}
function exponent(e: bigint): string {
  let hex = e.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  return b64u(Buffer.from(hex, 'hex'));
}

const rsa2048 = rsa(2048);
const rsa2047 = rsa(2047);
const rsa1024 = rsa(1024);
const rsa512 = rsa(512);
const rsa4096 = rsa(4096);
const rsaE3 = rsa(2048, 3);
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const ed = generateKeyPairSync('ed25519');
/** An 8200-bit odd number: not a real modulus, but importable, and over the bound. */
const hugeN = randomBytes(1025);
hugeN[0] = 0xff;
hugeN[1024]! |= 1;

interface KeyRow {
  name: string;
  jwk: JsonWebKey;
  /** Expected: usable (with the algorithm its rows sign with), or refused. */
  usable: boolean;
  /** Private key that signs for this public key, when there is one. */
  signer?: KeyObject;
  alg?: Algorithm;
}

const pub = (pair: { publicKey: KeyObject }) => jwkOf(pair.publicKey);
const keys: KeyRow[] = [
  { name: 'RSA-2048, e = 65537', jwk: pub(rsa2048), usable: true, signer: rsa2048.privateKey, alg: 'RS256' },
  {
    name: 'RSA-2048 with n padded by a zero byte',
    jwk: { ...pub(rsa2048), n: padded(pub(rsa2048).n!, 1) },
    usable: true,
    signer: rsa2048.privateKey,
    alg: 'RS256',
  },
  {
    name: 'RSA-2048 with e padded by zero bytes',
    jwk: { ...pub(rsa2048), e: padded(pub(rsa2048).e!, 3) },
    usable: true,
    signer: rsa2048.privateKey,
    alg: 'RS256',
  },
  { name: 'RSA-4096', jwk: pub(rsa4096), usable: true, signer: rsa4096.privateKey, alg: 'RS256' },
  { name: 'RSA-2048, e = 3', jwk: pub(rsaE3), usable: true, signer: rsaE3.privateKey, alg: 'RS256' },
  {
    name: 'RSA-2047 (one bit short)',
    jwk: pub(rsa2047),
    usable: false,
    signer: rsa2047.privateKey,
    alg: 'RS256',
  },
  {
    name: 'RSA-1024 padded to 256 bytes',
    jwk: { ...pub(rsa1024), n: padded(pub(rsa1024).n!, 128) },
    usable: false,
    signer: rsa1024.privateKey,
    alg: 'RS256',
  },
  {
    name: 'RSA-512 padded to 256 bytes',
    jwk: { ...pub(rsa512), n: padded(pub(rsa512).n!, 192) },
    usable: false,
    signer: rsa512.privateKey,
    alg: 'RS256',
  },
  { name: 'RSA-1024', jwk: pub(rsa1024), usable: false },
  { name: 'RSA over 8192 bits', jwk: { kty: 'RSA', n: b64u(hugeN), e: 'AQAB' }, usable: false },
  { name: 'RSA, e = 1', jwk: { ...pub(rsa2048), e: exponent(1n) }, usable: false },
  { name: 'RSA, e even (65536)', jwk: { ...pub(rsa2048), e: exponent(65536n) }, usable: false },
  { name: 'RSA, e = 65539 (over the bound)', jwk: { ...pub(rsa2048), e: exponent(65539n) }, usable: false },
  { name: 'RSA, e = 2^32 + 1', jwk: { ...pub(rsa2048), e: exponent(2n ** 32n + 1n) }, usable: false },
  {
    name: 'RSA, 3062-bit e',
    jwk: { ...pub(rsa2048), e: exponent(2n ** 3061n + 1n) },
    usable: false,
  },
  {
    name: 'key_ops ["verify"]',
    jwk: { ...pub(rsa2048), key_ops: ['verify'] },
    usable: true,
    signer: rsa2048.privateKey,
    alg: 'RS256',
  },
  { name: 'key_ops ["sign"]', jwk: { ...pub(rsa2048), key_ops: ['sign'] }, usable: false },
  { name: 'key_ops ["encrypt"] on EC', jwk: { ...pub(ec), key_ops: ['encrypt'] }, usable: false },
  { name: 'key_ops [] on Ed25519', jwk: { ...pub(ed), key_ops: [] }, usable: false },
  { name: 'key_ops "verify" (not an array)', jwk: { ...pub(ec), key_ops: 'verify' as never }, usable: false },
  { name: 'use "enc"', jwk: { ...pub(rsa2048), use: 'enc' }, usable: false },
  { name: 'P-256', jwk: pub(ec), usable: true, signer: ec.privateKey, alg: 'ES256' },
  {
    name: 'P-256 with key_ops ["verify"] and use "sig"',
    jwk: { ...pub(ec), use: 'sig', key_ops: ['verify'] },
    usable: true,
    signer: ec.privateKey,
    alg: 'ES256',
  },
  { name: 'Ed25519', jwk: pub(ed), usable: true, signer: ed.privateKey, alg: 'EdDSA' },
];

function signWith(alg: Algorithm, key: KeyObject, input: string): Uint8Array {
  if (alg === 'EdDSA') return sign(null, Buffer.from(input), key);
  if (alg === 'ES256') return sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' });
  return sign('sha256', Buffer.from(input), key);
}

/** Signatures over one signing input, each with whether it must verify against a usable key. */
function signatures(row: KeyRow, input: string): { name: string; sig: Uint8Array; valid: boolean }[] {
  const good = signWith(row.alg!, row.signer!, input);
  const list = [
    { name: 'valid', sig: good, valid: true },
    { name: 'one bit flipped', sig: Uint8Array.from(good, (b, i) => (i === 5 ? b ^ 1 : b)), valid: false },
    { name: 'one byte short', sig: good.slice(1), valid: false },
    { name: 'one byte long', sig: Buffer.concat([good, Buffer.alloc(1)]), valid: false },
    { name: 'a zero byte in front', sig: Buffer.concat([Buffer.alloc(1), good]), valid: false },
    { name: 'all zero', sig: new Uint8Array(good.length), valid: false },
    { name: 'empty', sig: new Uint8Array(0), valid: false },
  ];
  return list;
}

function metadata(key: {
  kty: string;
  crv?: string;
  modulusLength?: number;
  publicExponent?: bigint;
  secretBytes?: number;
}) {
  return {
    kty: key.kty,
    crv: key.crv,
    modulusLength: key.modulusLength,
    publicExponent: key.publicExponent,
    secretBytes: key.secretBytes,
  };
}

describe('node:crypto and WebCrypto agree on every key and signature', () => {
  it.each(keys)('$name', async (row) => {
    const imported = await Promise.all(
      backends.map(async (backend) => {
        try {
          return metadata(await backend.importJwk(row.jwk));
        } catch (error) {
          return `import error: ${(error as Error).name}`;
        }
      }),
    );
    expect(imported[1], 'key metadata').toEqual(imported[0]);

    const sets = await Promise.all(
      backends.map((backend) => importJwks({ keys: [row.jwk] }, backend, undefined)),
    );
    const usable = sets.map((set) => set.keys.length === 1);
    expect(
      usable,
      `usable on [node, webcrypto] (skipped: ${sets.map((s) => s.skipped.join()).join(' | ')})`,
    ).toEqual([row.usable, row.usable]);
    if (row.usable) {
      expect(sets[0]!.keys[0]!.algorithms).toEqual(sets[1]!.keys[0]!.algorithms);
      const alg = row.alg!;
      const input = `${b64u(JSON.stringify({ alg }))}.${b64u(JSON.stringify({ sub: 'a' }))}`;
      for (const { name, sig, valid } of signatures(row, input)) {
        const verdicts = await Promise.all(
          backends.map((backend, i) => backend.verify(alg, sets[i]!.keys[0]!.key, input, sig)),
        );
        expect(verdicts, `${name} on [node, webcrypto]`).toEqual([valid, valid]);
      }
    }
  });

  it.each(keys.filter((row) => row.signer))(
    '$name: a verifier on either backend gives the same answer',
    async (row) => {
      const alg = row.alg!;
      const now = Math.floor(Date.now() / 1000);
      const input = `${b64u(JSON.stringify({ alg }))}.${b64u(JSON.stringify({ sub: 'a', exp: now + 60 }))}`;
      const token = `${input}.${b64u(signWith(alg, row.signer!, input))}`;
      const answers = await Promise.all(
        (['node', 'webcrypto'] as const).map(async (crypto) => {
          try {
            const verifier = createVerifier({ jwks: { keys: [row.jwk] }, algorithms: [alg], crypto });
            return (await verifier.verify(token)).subject;
          } catch (error) {
            if (isAuthError(error)) return `${error.status} ${error.reason}`;
            return (error as Error).name;
          }
        }),
      );
      expect(answers[1]).toEqual(answers[0]);
      expect(answers[0] === 'a').toBe(row.usable);
    },
  );
});

describe('an RSA JWK given as publicKey', () => {
  it.each(['node', 'webcrypto'] as const)(
    'is refused at start-up when padded below 2048 bits (%s)',
    async (crypto) => {
      const jwk = { ...pub(rsa1024), n: padded(pub(rsa1024).n!, 128) };
      const attempt = async () => createVerifier({ publicKey: jwk, algorithms: ['RS256'], crypto }).ready();
      await expect(attempt()).rejects.toThrow(/at least 2048 bits/);
    },
  );
  it.each(['node', 'webcrypto'] as const)(
    'is refused when its key_ops exclude verify (%s)',
    async (crypto) => {
      const attempt = async () =>
        createVerifier({ publicKey: { ...pub(ec), key_ops: ['sign'] }, crypto }).ready();
      await expect(attempt()).rejects.toThrow(/key_ops/);
    },
  );
});
