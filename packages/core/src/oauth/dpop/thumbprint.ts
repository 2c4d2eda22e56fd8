import { sha256Base64url } from './digest.js';

/** The members RFC 7638 §3.2 hashes, per key type, in lexicographic order. */
const REQUIRED: Record<string, readonly string[]> = {
  EC: ['crv', 'kty', 'x', 'y'],
  RSA: ['e', 'kty', 'n'],
  OKP: ['crv', 'kty', 'x'],
};

/**
 * The public key's required members (RFC 7638 §3.2) as a fresh object, or `undefined` when the
 * key type is not an asymmetric one or a member is missing or not a string.
 */
export function requiredMembers(jwk: Record<string, unknown>): Record<string, string> | undefined {
  const names = typeof jwk.kty === 'string' ? REQUIRED[jwk.kty] : undefined;
  if (!names || !Object.hasOwn(REQUIRED, jwk.kty as string)) return undefined;
  const members: Record<string, string> = {};
  for (const name of names) {
    const value = jwk[name];
    if (typeof value !== 'string' || value === '') return undefined;
    members[name] = value;
  }
  return members;
}

/**
 * The RFC 7638 JWK SHA-256 thumbprint (base64url) of a public key given by its required members,
 * as {@link requiredMembers} returns them. It is what a DPoP-bound token names in `cnf.jkt`
 * (RFC 9449 §6.1).
 *
 * @see https://www.rfc-editor.org/rfc/rfc7638#section-3
 */
export function jwkThumbprint(members: Record<string, string>): string | Promise<string> {
  // Keys are inserted in lexicographic order and values are strings: JSON.stringify yields the
  // RFC 7638 §3.3 canonical form (no whitespace, members sorted).
  return sha256Base64url(JSON.stringify(members));
}
