/** JWS algorithms tokengate can verify (RFC 7518 §3, RFC 8037). `none` is not one of them. */
export type Algorithm =
  | 'HS256'
  | 'HS384'
  | 'HS512'
  | 'RS256'
  | 'RS384'
  | 'RS512'
  | 'PS256'
  | 'PS384'
  | 'PS512'
  | 'ES256'
  | 'ES384'
  | 'ES512'
  | 'EdDSA'
  | 'Ed25519';

/** Key types (JWK `kty`) an algorithm needs. */
export type KeyType = 'oct' | 'RSA' | 'EC' | 'OKP';

const FAMILY: Record<Algorithm, KeyType> = {
  HS256: 'oct',
  HS384: 'oct',
  HS512: 'oct',
  RS256: 'RSA',
  RS384: 'RSA',
  RS512: 'RSA',
  PS256: 'RSA',
  PS384: 'RSA',
  PS512: 'RSA',
  ES256: 'EC',
  ES384: 'EC',
  ES512: 'EC',
  EdDSA: 'OKP',
  Ed25519: 'OKP',
};

/** The EC curve each ECDSA algorithm is bound to (RFC 7518 §3.4). */
export const CURVE_OF: Partial<Record<Algorithm, string>> = {
  ES256: 'P-256',
  ES384: 'P-384',
  ES512: 'P-521',
};

/**
 * Every algorithm name tokengate verifies (and the `algorithms` option accepts); `none` is not one.
 * @example `ALGORITHMS.includes('ES256') // true`
 */
export const ALGORITHMS: readonly Algorithm[] = Object.keys(FAMILY) as Algorithm[];

/**
 * Whether `alg` is a supported algorithm name (case-sensitive, RFC 7515 §4.1.1).
 * @example `isAlgorithm('RS256') // true; isAlgorithm('none') // false`
 */
export function isAlgorithm(alg: unknown): alg is Algorithm {
  return typeof alg === 'string' && Object.hasOwn(FAMILY, alg);
}

/**
 * An `alg` value as quoted in error messages: the token chose it, so it is shown only when it
 * is short and printable, and never reflected at length into the `WWW-Authenticate` challenge.
 */
export function quoteAlg(alg: unknown): string {
  return typeof alg === 'string' && alg.length <= 16 && /^[\x21-\x7e]+$/.test(alg)
    ? JSON.stringify(alg)
    : '(unsupported value)';
}

/** The key type an algorithm needs. */
export function keyTypeOf(alg: Algorithm): KeyType {
  return FAMILY[alg];
}

/**
 * Whether `alg` is an HMAC algorithm (a shared secret both signs and verifies).
 * @example `isSymmetric('HS256') // true; isSymmetric('ES256') // false`
 */
export function isSymmetric(alg: Algorithm): boolean {
  return FAMILY[alg] === 'oct';
}

/** Minimum HMAC key length in bytes: the hash output size (RFC 7518 §3.2). */
export function minSecretBytes(alg: Algorithm): number {
  return alg === 'HS384' ? 48 : alg === 'HS512' ? 64 : 32;
}

/**
 * Algorithms a key may verify, decided by configuration and the key itself, never by a token:
 * a key's own `alg` wins; otherwise RSA → `RS256`, EC → the curve's ES algorithm, Ed25519 →
 * `EdDSA`, a secret → `HS256`. When the app lists `algorithms`, the key may verify each listed
 * algorithm of its type (RSA keys: PS* only when listed; EC keys: only their curve's).
 */
export function algorithmsForKey(
  key: { kty: KeyType; crv?: string | undefined; alg?: string | undefined; secretBytes?: number | undefined },
  allowed: readonly Algorithm[] | undefined,
): Algorithm[] {
  let candidates: Algorithm[];
  if (key.alg !== undefined) {
    candidates = isAlgorithm(key.alg) ? [key.alg] : [];
  } else if (allowed) {
    candidates = [...allowed];
  } else {
    candidates =
      key.kty === 'RSA'
        ? ['RS256']
        : key.kty === 'EC'
          ? ALGORITHMS.filter((a) => CURVE_OF[a] === key.crv)
          : key.kty === 'OKP'
            ? ['EdDSA', 'Ed25519']
            : ['HS256'];
  }
  return candidates.filter((alg) => {
    if (allowed && !allowed.includes(alg)) return false;
    if (FAMILY[alg] !== key.kty) return false;
    if (key.kty === 'EC') return CURVE_OF[alg] === key.crv;
    if (key.kty === 'OKP') return key.crv === 'Ed25519';
    if (key.kty === 'oct') return (key.secretBytes ?? 0) >= minSecretBytes(alg);
    return true;
  });
}

/**
 * Validates the `algorithms` option: a non-empty list of supported algorithms, never `none`;
 * duplicates dropped.
 * @throws TypeError starting `tokengate: ${label}`.
 */
export function validateAlgorithms(value: unknown, label: string): Algorithm[] {
  if (!Array.isArray(value) || value.length === 0) {
    throw new TypeError(`tokengate: ${label} must be a non-empty array`);
  }
  for (const alg of value) {
    if (typeof alg === 'string' && alg.toLowerCase() === 'none') {
      throw new TypeError(`tokengate: ${label} must not contain "none": unsecured tokens are never accepted`);
    }
    if (!isAlgorithm(alg)) {
      throw new TypeError(
        `tokengate: ${label}: unsupported algorithm ${JSON.stringify(alg)} (supported: ${ALGORITHMS.join(', ')})`,
      );
    }
  }
  return [...new Set(value as Algorithm[])];
}
