import { exportJWK, importSPKI, importX509 } from 'jose';
import type { Algorithm, KeyType } from '../token/algorithms.js';
import { decodeBase64url } from '../token/base64url.js';
import { type CryptoBackend, ECDSA_SIGNATURE_BYTES, hashOf, type ImportedKey } from './backend.js';

interface WebHandle {
  readonly jwk?: JsonWebKey;
  readonly secret?: Uint8Array;
  readonly byAlg: Map<Algorithm, Promise<CryptoKey>>;
}

const encoder = new TextEncoder();

function importParams(
  alg: Algorithm,
): RsaHashedImportParams | EcKeyImportParams | HmacImportParams | Algorithm {
  const hash = hashOf(alg);
  switch (alg[0]) {
    case 'H':
      return { name: 'HMAC', hash };
    case 'R':
      return { name: 'RSASSA-PKCS1-v1_5', hash };
    case 'P':
      return { name: 'RSA-PSS', hash };
    default:
      if (alg === 'EdDSA' || alg === 'Ed25519') return { name: 'Ed25519' } as unknown as Algorithm;
      return {
        name: 'ECDSA',
        namedCurve: { ES256: 'P-256', ES384: 'P-384', ES512: 'P-521' }[alg as 'ES256'],
      };
  }
}

function verifyParams(alg: Algorithm): AlgorithmIdentifier | RsaPssParams | EcdsaParams {
  const hash = hashOf(alg);
  switch (alg[0]) {
    case 'H':
      return 'HMAC';
    case 'R':
      return 'RSASSA-PKCS1-v1_5';
    case 'P':
      return { name: 'RSA-PSS', saltLength: Number(hash.slice(4)) / 8 };
    default:
      if (alg === 'EdDSA' || alg === 'Ed25519') return 'Ed25519';
      return { name: 'ECDSA', hash };
  }
}

/**
 * Length in bits of a big-endian unsigned integer: leading zero bytes do not count (a 1024-bit
 * modulus padded to 256 bytes is still 1024 bits, as node:crypto reports it).
 */
function bitLength(bytes: Uint8Array): number {
  let first = 0;
  while (first < bytes.length && bytes[first] === 0) first++;
  return first === bytes.length ? 0 : (bytes.length - first - 1) * 8 + (32 - Math.clz32(bytes[first]!));
}

function unsignedValue(bytes: Uint8Array): bigint {
  let hex = '0';
  for (const byte of bytes) hex += byte.toString(16).padStart(2, '0');
  return BigInt(`0x${hex}`);
}

function describeJwk(jwk: JsonWebKey): ImportedKey {
  const kty = jwk.kty as KeyType;
  if (kty === 'RSA') {
    if (typeof jwk.n !== 'string') throw new TypeError('tokengate: RSA JWK has no "n"');
    if (typeof jwk.e !== 'string') throw new TypeError('tokengate: RSA JWK has no "e"');
    return {
      kty,
      modulusLength: bitLength(decodeBase64url(jwk.n)),
      publicExponent: unsignedValue(decodeBase64url(jwk.e)),
      handle: handleOf({ jwk }),
    };
  }
  if (kty === 'EC') {
    if (!['P-256', 'P-384', 'P-521'].includes(jwk.crv ?? '')) {
      throw new TypeError('tokengate: unsupported EC curve (use P-256, P-384 or P-521)');
    }
    return { kty, crv: jwk.crv, handle: handleOf({ jwk }) };
  }
  if (kty === 'OKP') {
    if (jwk.crv !== 'Ed25519') throw new TypeError('tokengate: unsupported OKP curve (use Ed25519)');
    return { kty, crv: jwk.crv, handle: handleOf({ jwk }) };
  }
  if (kty === 'oct') {
    if (typeof jwk.k !== 'string') throw new TypeError('tokengate: oct JWK has no "k"');
    const secret = decodeBase64url(jwk.k);
    return { kty, secretBytes: secret.length, handle: handleOf({ secret }) };
  }
  throw new TypeError(`tokengate: unsupported JWK key type ${JSON.stringify(jwk.kty)}`);
}

function handleOf(parts: { jwk?: JsonWebKey; secret?: Uint8Array }): WebHandle {
  return { ...parts, byAlg: new Map() };
}

function publicJwk(jwk: JsonWebKey): JsonWebKey {
  const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, key_ops: _ops, use: _use, ...rest } = jwk;
  return rest;
}

/** The WebCrypto backend: runs wherever `crypto.subtle` exists. */
export function createWebCryptoBackend(): CryptoBackend {
  const subtle = globalThis.crypto.subtle;

  function cryptoKeyFor(alg: Algorithm, handle: WebHandle): Promise<CryptoKey> {
    let key = handle.byAlg.get(alg);
    if (!key) {
      key = handle.secret
        ? subtle.importKey('raw', handle.secret as BufferSource, importParams(alg), false, ['verify'])
        : subtle.importKey('jwk', handle.jwk!, importParams(alg), false, ['verify']);
      handle.byAlg.set(alg, key);
    }
    return key;
  }

  async function fromCryptoKey(key: CryptoKey): Promise<ImportedKey> {
    return describeJwk(publicJwk(await exportJWK(key)));
  }

  return {
    name: 'webcrypto',
    importSecret(secret) {
      return { kty: 'oct', secretBytes: secret.length, handle: handleOf({ secret }) };
    },
    async importJwk(jwk) {
      return describeJwk(jwk.kty === 'oct' ? jwk : publicJwk(jwk));
    },
    async importPem(pem) {
      const isCert = pem.includes('CERTIFICATE-----');
      for (const alg of ['RS256', 'ES256', 'ES384', 'ES512', 'EdDSA'] as const) {
        try {
          const key = isCert
            ? await importX509(pem, alg, { extractable: true })
            : await importSPKI(pem, alg, { extractable: true });
          return await fromCryptoKey(key);
        } catch {
          // try the next key type
        }
      }
      throw new TypeError(
        'tokengate: could not import the PEM public key (expected SPKI or an X.509 certificate)',
      );
    },
    async importKeyObject(key) {
      const candidate = key as CryptoKey & { export?: (o: { format: 'jwk' }) => JsonWebKey; type: string };
      if (typeof candidate.export === 'function') {
        if (candidate.type === 'secret') {
          const jwk = candidate.export({ format: 'jwk' });
          return describeJwk(jwk);
        }
        return describeJwk(publicJwk(candidate.export({ format: 'jwk' })));
      }
      return fromCryptoKey(candidate);
    },
    async verify(alg, key, signingInput, signature) {
      if (
        alg[0] === 'E' &&
        alg !== 'EdDSA' &&
        alg !== 'Ed25519' &&
        signature.length !== ECDSA_SIGNATURE_BYTES[alg]
      ) {
        return false;
      }
      if ((alg === 'EdDSA' || alg === 'Ed25519') && signature.length !== 64) return false;
      try {
        const cryptoKey = await cryptoKeyFor(alg, key.handle as WebHandle);
        return await subtle.verify(
          verifyParams(alg),
          cryptoKey,
          signature as BufferSource,
          encoder.encode(signingInput),
        );
      } catch {
        return false;
      }
    },
  };
}
