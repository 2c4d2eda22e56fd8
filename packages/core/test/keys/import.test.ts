/**
 * One importer per format, shared by the synchronous backend (node:crypto) and the asynchronous
 * one (WebCrypto): for every format the two give the same key or the same refusal, the first
 * without a promise, and the option callers word refusals the same way on both.
 */
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { selectBackend } from '../../src/crypto/index.js';
import {
  importJwkKey,
  importJwks,
  importKeyObjectKey,
  importPemKey,
  importPublicKey,
  importSecretKey,
  importSecrets,
  type KeyImport,
  KeyRefusal,
} from '../../src/keys/import.js';

const node = selectBackend('node');
const web = selectBackend('webcrypto');
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const small = generateKeyPairSync('rsa', { modulusLength: 1024 });
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const pem = rsa.publicKey.export({ type: 'spki', format: 'pem' }) as string;
const ecJwk = { ...(ec.publicKey.export({ format: 'jwk' }) as JsonWebKey), kid: 'ec-1' };

/** What an import came to, comparable across backends. */
function outcome(result: KeyImport): unknown {
  return result instanceof KeyRefusal
    ? { refused: result.reason }
    : { kid: result.kid, algorithms: result.algorithms, kty: result.key.kty };
}

const formats: Array<[string, (backend: typeof node) => KeyImport | Promise<KeyImport>, unknown]> = [
  ['PEM', (b) => importPemKey(pem, b, undefined), { kid: undefined, algorithms: ['RS256'], kty: 'RSA' }],
  ['JWK', (b) => importJwkKey(ecJwk, b, undefined), { kid: 'ec-1', algorithms: ['ES256'], kty: 'EC' }],
  [
    'JWK, allow-list applied',
    (b) => importJwkKey(ecJwk, b, ['RS256']),
    { refused: 'no allowed algorithm fits this EC P-256 key' },
  ],
  [
    'KeyObject',
    (b) => importKeyObjectKey(ec.publicKey, b, undefined),
    { kid: undefined, algorithms: ['ES256'], kty: 'EC' },
  ],
  [
    'an RSA key below 2048 bits',
    (b) => importPemKey(small.publicKey.export({ type: 'spki', format: 'pem' }) as string, b, undefined),
    { refused: 'RSA keys must be at least 2048 bits (RFC 7518 §3.3)' },
  ],
  [
    'text that is not PEM',
    (b) => importPemKey('not a key', b, undefined),
    { refused: expect.stringMatching(/^expected PEM text/) },
  ],
  [
    'a JWK whose alg is unknown',
    (b) => importJwkKey({ ...ecJwk, alg: 'ES999' } as JsonWebKey, b, undefined),
    { refused: 'key "alg" "ES999" is not supported' },
  ],
];

describe('one importer per format, on both backends', () => {
  it.each(formats)('%s: the same outcome, synchronously on node:crypto', async (_, run, expected) => {
    const onNode = run(node);
    expect(onNode).not.toBeInstanceOf(Promise);
    expect(outcome(onNode as KeyImport)).toEqual(expected);
    expect(outcome(await run(web))).toEqual(expected);
  });

  it('turns a throwing backend and a rejecting one into the same refusal, keeping the cause', async () => {
    const failure = new Error('tokengate: unsupported key');
    const throwing = {
      ...node,
      importPem: () => {
        throw failure;
      },
    };
    const rejecting = { ...node, importPem: () => Promise.reject(failure) };
    for (const result of [
      importPemKey(pem, throwing, undefined),
      await importPemKey(pem, rejecting, undefined),
    ]) {
      expect(result).toBeInstanceOf(KeyRefusal);
      expect((result as KeyRefusal).reason).toBe('unsupported key');
      expect((result as KeyRefusal).init.cause).toBe(failure);
    }
  });

  it('imports an HMAC secret synchronously on every backend, refusing empty, short and public-key secrets', () => {
    for (const backend of [node, web]) {
      expect(outcome(importSecretKey(new Uint8Array(32).fill(1), backend, undefined))).toEqual({
        kid: undefined,
        algorithms: ['HS256'],
        kty: 'oct',
      });
      expect(outcome(importSecretKey(new Uint8Array(0), backend, undefined))).toEqual({
        refused: 'is empty',
      });
      expect(outcome(importSecretKey(new Uint8Array(12).fill(1), backend, undefined))).toEqual({
        refused: expect.stringMatching(/^the secret is 12 bytes/),
      });
      expect(outcome(importSecretKey(new TextEncoder().encode(pem), backend, undefined))).toEqual({
        refused: expect.stringMatching(/^is a public key/),
      });
    }
  });
});

describe('what the options hold', () => {
  it('publicKey: the same TypeError, thrown on node:crypto and rejected on WebCrypto', async () => {
    const bad = small.publicKey.export({ type: 'spki', format: 'pem' }) as string;
    const message = 'tokengate: option "publicKey": RSA keys must be at least 2048 bits (RFC 7518 §3.3)';
    expect(() => importPublicKey(bad, node, undefined)).toThrow(message);
    await expect(importPublicKey(bad, web, undefined)).rejects.toThrow(message);
    expect(() => importPublicKey(42 as never, node, undefined)).toThrow(
      'tokengate: option "publicKey": expected PEM text, a JWK, a CryptoKey or a KeyObject',
    );
    expect(() => importPublicKey({ ...ecJwk, use: 'enc' }, node, undefined)).toThrow(
      'tokengate: option "publicKey": the JWK cannot verify signatures: "use" is not "sig"',
    );
  });

  it('secret: names the entry of a list, and the option for an empty secret', () => {
    const good = new Uint8Array(32).fill(1);
    expect(() => importSecrets([], node, undefined)).toThrow('tokengate: option "secret" is an empty list');
    expect(() => importSecrets([good, ''], node, undefined)).toThrow(/^tokengate: option "secret" is empty$/);
    expect(() => importSecrets([good, 'short'], node, undefined)).toThrow(
      /^tokengate: option "secret"\[1\]: the secret is 5 bytes/,
    );
    expect(() => importSecrets([good, 42 as never], node, undefined)).toThrow(
      'tokengate: option "secret" must be a string or a Uint8Array',
    );
  });

  it('jwks: skips what cannot verify, in order, with the same words on both backends', async () => {
    const set = {
      keys: [
        ecJwk,
        { kty: 'oct', k: 'AAAA' },
        { ...ecJwk, kid: 'enc', use: 'enc' },
        'nonsense' as unknown as JsonWebKey,
        { ...(small.publicKey.export({ format: 'jwk' }) as JsonWebKey), kid: 'small' },
      ],
    };
    const expected = [
      '#1: symmetric keys are not accepted from a key set',
      'kid "enc": "use" is not "sig"',
      '#3: not a JWK',
      'kid "small": RSA keys must be at least 2048 bits (RFC 7518 §3.3)',
    ];
    const onNode = importJwks(set, node, undefined);
    expect(onNode).not.toBeInstanceOf(Promise);
    for (const result of [onNode as Awaited<typeof onNode>, await importJwks(set, web, undefined)]) {
      expect(result.keys.map((k) => k.kid)).toEqual(['ec-1']);
      expect(result.skipped).toEqual(expected);
    }
  });
});
