import type { ImportedKey } from '../crypto/index.js';
import type { Algorithm } from '../token/algorithms.js';

/**
 * Bounds on the keys tokengate verifies with, and on the work one token can cause.
 *
 * A key set may be written by someone else (a tenant in an `issuers` setup, a compromised or
 * hostile identity provider), and the cost of a failed RSA check grows with the modulus (about
 * quadratically) and with the public exponent (linearly in its bits): eight RSA-3072 keys with a
 * 3,062-bit exponent made one garbage token cost ~52 ms of CPU. So RSA keys are bounded at import,
 * and the keys tried for one token are bounded by an estimated cost as well as by number.
 */

/** Smallest RSA modulus accepted, in bits (RFC 7518 §3.3, NIST SP 800-131A). */
export const RSA_MIN_BITS = 2048;
/**
 * Largest RSA modulus accepted, in bits. Identity providers and cloud KMSs issue 2048–4096-bit
 * keys; 8192 is Go's `crypto/tls` limit (CVE-2023-29409) and leaves room for the cautious.
 */
export const RSA_MAX_BITS = 8192;
/**
 * Largest RSA public exponent accepted: 65537 (F4), which every common key generator uses.
 * Smaller odd exponents (3, 17) stay valid; OpenSSL and BoringSSL bound exponents too (64 and
 * 33 bits), but a 33-bit exponent doubles the cost of every check for no security gain.
 */
export const RSA_MAX_EXPONENT = 65537n;

/** Most keys tried for one token. */
export const MAX_CANDIDATES = 8;

/**
 * Estimated CPU cost of one failed check, in microseconds: the larger of what node:crypto and
 * WebCrypto took on a busy 2-core server (Node 20, OpenSSL 3; WebCrypto adds ~0.1 ms per call),
 * rounded up. RSA grows with the square of the modulus (the exponent is bounded).
 * `bench/worst-rejection.mjs` prints the real figures.
 */
export function verifyCost(alg: Algorithm, key: ImportedKey): number {
  switch (alg[0]) {
    case 'H':
      return 10;
    case 'R':
    case 'P': {
      const k = (key.modulusLength ?? RSA_MAX_BITS) / 2048;
      return 100 + 200 * k * k;
    }
    default:
      if (alg === 'EdDSA' || alg === 'Ed25519') return 100;
      return alg === 'ES256' ? 250 : alg === 'ES384' ? 1000 : 2000;
  }
}

/**
 * Estimated cost that the keys tried for one token may add up to; the first key is always tried.
 * A kid-less token may try 8 HMAC, Ed25519 or P-256 keys, 6 RSA-2048, 3 RSA-3072, 2 RSA-4096 or
 * P-384 keys, and one RSA-8192 or P-521 key. It never limits a token whose `kid` names one key.
 */
export const VERIFY_BUDGET = 2000;

/** Why an imported RSA key is refused (modulus or exponent out of bounds), or `undefined`. */
export function rsaKeyDefect(key: ImportedKey): string | undefined {
  const bits = key.modulusLength ?? 0;
  if (bits < RSA_MIN_BITS) return `RSA keys must be at least ${RSA_MIN_BITS} bits (RFC 7518 §3.3)`;
  if (bits > RSA_MAX_BITS) return `RSA keys must be at most ${RSA_MAX_BITS} bits`;
  const e = key.publicExponent;
  if (e === undefined || e < 3n || e > RSA_MAX_EXPONENT || e % 2n === 0n) {
    return `the RSA public exponent must be odd, between 3 and ${RSA_MAX_EXPONENT}`;
  }
  return undefined;
}

/**
 * Whether a JWK may verify signatures by its `use` and `key_ops` (RFC 7517 §4.2, §4.3): `use`
 * absent or `sig`, `key_ops` absent or an array that lists `verify`. Returns why not, or
 * `undefined`.
 */
export function jwkUsageDefect(jwk: { use?: unknown; key_ops?: unknown }): string | undefined {
  if (jwk.use !== undefined && jwk.use !== 'sig') return '"use" is not "sig"';
  if (jwk.key_ops !== undefined && !(Array.isArray(jwk.key_ops) && jwk.key_ops.includes('verify'))) {
    return '"key_ops" does not include "verify"';
  }
  return undefined;
}
