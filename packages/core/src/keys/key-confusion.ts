import type { ImportedKey } from '../crypto/index.js';

/**
 * # Key confusion: a key verifies only in the family its configuration names
 *
 * Whoever holds a public key can compute an HMAC with it. A verifier that accepts a public key as
 * an HMAC secret therefore lets anyone sign tokens (algorithm confusion: CVE-2016-10555,
 * CVE-2022-23541, CVE-2022-29217, fast-jwt CVE-2023-48223 and GHSA-ww5h-9m49-7xx4). So:
 *
 * 1. **A public key is never accepted as an HMAC secret** ({@link publicKeyAsSecret}): secret
 *    bytes that are a public key in any common spelling are refused, at start-up for the `secret`
 *    option and per token for a `secret` function. Deny-only: it never turns a secret into an
 *    asymmetric key, so the key type always comes from which option was used, never from sniffing.
 * 2. **A public-key option never yields an HMAC key** ({@link secretAsPublicKey}): a symmetric
 *    key given as `publicKey` is refused, and a key set's `oct` keys are skipped.
 *
 * The third guard is in the algorithms each key may verify (`toVerificationKey`, bound by key
 * type, never by the token's `alg`) and in `from-options.ts` (an HMAC algorithm is refused with
 * public keys, an asymmetric one with a secret).
 */

/** DER of the SPKI algorithm OIDs: rsaEncryption, id-ecPublicKey, id-Ed25519 (with their tag and length). */
const SPKI_ALGORITHMS = [
  [0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01],
  [0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01],
  [0x06, 0x03, 0x2b, 0x65, 0x70],
];

function includesBytes(haystack: Uint8Array, needle: readonly number[]): boolean {
  const last = Math.min(haystack.length - needle.length, 64);
  outer: for (let i = 0; i <= last; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return true;
  }
  return false;
}

const OPENSSH_KEY = /^\s*(?:ssh-(?:rsa|dss|ed25519|ed448)|ecdsa-sha2-|sk-(?:ssh|ecdsa)-)/;

/**
 * Whether HMAC secret bytes are a public key: PEM armor anywhere (certificates included), SPKI DER
 * (an RSA, EC or Ed25519 algorithm identifier near the start of a DER sequence), a JWK or JWK set
 * as JSON, or an OpenSSH public key.
 */
function isPublicKeyText(bytes: Uint8Array): boolean {
  if (bytes[0] === 0x30 && SPKI_ALGORITHMS.some((oid) => includesBytes(bytes, oid))) return true;
  let text = '';
  for (let i = 0; i < bytes.length; i++) text += String.fromCharCode(bytes[i]!);
  if (text.includes('-----BEGIN') || OPENSSH_KEY.test(text)) return true;
  const trimmed = text.trim();
  if (!trimmed.startsWith('{') || !trimmed.endsWith('}')) return false;
  try {
    const value = JSON.parse(trimmed) as { kty?: unknown; keys?: unknown };
    return typeof value.kty === 'string' || Array.isArray(value.keys);
  } catch {
    return false;
  }
}

/** Why secret bytes that are a public key are refused (a predicate of the option that held them). */
export const PUBLIC_KEY_AS_SECRET =
  'is a public key (PEM, DER, JWK or OpenSSH); HMAC keyed with a public key lets anyone who has it sign tokens: use option "publicKey" or "jwks"';

/** Why a symmetric key given where a public key belongs is refused. */
export const SECRET_AS_PUBLIC_KEY = 'is a symmetric key; use option "secret"';

/**
 * Rule 1: a public key is never accepted as an HMAC secret.
 * @returns {@link PUBLIC_KEY_AS_SECRET} when `bytes` are a public key, else `undefined`.
 */
export function publicKeyAsSecret(bytes: Uint8Array): string | undefined {
  return isPublicKeyText(bytes) ? PUBLIC_KEY_AS_SECRET : undefined;
}

/**
 * Rule 2: a key given as a public key (PEM, JWK, CryptoKey, KeyObject) is never an HMAC key.
 * @returns {@link SECRET_AS_PUBLIC_KEY} for an imported symmetric key, else `undefined`.
 */
export function secretAsPublicKey(key: ImportedKey): string | undefined {
  return key.kty === 'oct' ? SECRET_AS_PUBLIC_KEY : undefined;
}
