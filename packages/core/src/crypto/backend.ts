import type { Algorithm, KeyType } from '../token/algorithms.js';

/** What a backend learned about a key when importing it. */
export interface ImportedKey {
  readonly kty: KeyType;
  readonly crv?: string | undefined;
  /** RSA modulus length in bits (of the number: leading zero bytes in a JWK's `n` do not count). */
  readonly modulusLength?: number | undefined;
  /** RSA public exponent. */
  readonly publicExponent?: bigint | undefined;
  /** HMAC secret length in bytes. */
  readonly secretBytes?: number | undefined;
  /** Backend-specific key material (a node:crypto KeyObject, or WebCrypto import state). */
  readonly handle: unknown;
}

/** A public key or secret as an app may configure it. */
export type KeyInput =
  | string
  | Uint8Array
  | JsonWebKey
  | CryptoKey
  | { type: string; asymmetricKeyType?: string };

/**
 * The seam behind which signatures are checked. Two implementations pass one test table:
 * node:crypto `KeyObject`s (fast) and WebCrypto. The `'auto'` backend uses node:crypto wherever
 * `process.getBuiltinModule('node:crypto')` and `Buffer` exist — Node, Bun, Deno, and Workers
 * with `nodejs_compat` — but only for the key types whose self-tests it passes there
 * (`self-test.ts`); WebCrypto does the rest, and everything on Workers without `nodejs_compat`
 * and in browsers.
 */
export interface CryptoBackend {
  readonly name: 'node' | 'webcrypto' | 'auto';
  /** Imports an HMAC secret. */
  importSecret(secret: Uint8Array): ImportedKey;
  /** Imports a public JWK (a private JWK's public part is used). */
  importJwk(jwk: JsonWebKey): ImportedKey | Promise<ImportedKey>;
  /** Imports a PEM public key (SPKI, PKCS#1 RSA or an X.509 certificate). */
  importPem(pem: string): ImportedKey | Promise<ImportedKey>;
  /** Imports a node:crypto `KeyObject` or a WebCrypto `CryptoKey`. */
  importKeyObject(key: object): ImportedKey | Promise<ImportedKey>;
  /**
   * Checks `signature` over the ASCII `signingInput` with `key` under `alg`. Resolves `false`
   * (never throws) when the signature does not verify or has the wrong size.
   */
  verify(
    alg: Algorithm,
    key: ImportedKey,
    signingInput: string,
    signature: Uint8Array,
  ): boolean | Promise<boolean>;
}

/** Hash name for an algorithm. */
export function hashOf(alg: Algorithm): 'SHA-256' | 'SHA-384' | 'SHA-512' {
  const bits = alg.slice(-3);
  return bits === '384' ? 'SHA-384' : bits === '512' ? 'SHA-512' : 'SHA-256';
}

/** Raw (r‖s) ECDSA signature length in bytes for each curve (RFC 7518 §3.4). */
export const ECDSA_SIGNATURE_BYTES: Record<string, number> = { ES256: 64, ES384: 96, ES512: 132 };
