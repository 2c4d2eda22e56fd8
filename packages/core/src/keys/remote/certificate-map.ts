import { KeySourceError } from './key-source-error.js';
import type { RemoteJwk } from './remote-jwks.js';

/**
 * X.509 certificate maps, the key documents Google and Firebase publish
 * (`{ "<kid>": "-----BEGIN CERTIFICATE-----\n…" }`), read into the entries of a remote key set:
 * one {@link CertificateEntry} a certificate, so versioning, `kid` lookup, cooldown and
 * stale-if-error are the JWKS's own (`remote-jwks.ts`). `keys/import.ts` imports them.
 */

/** The `kty` that marks a certificate-map entry (not a JWK key type: no JWK has it). */
export const CERTIFICATE_KTY = 'x509-certificate';

/** One certificate of a map, as a remote key-set entry. */
export interface CertificateEntry extends RemoteJwk {
  readonly kty: typeof CERTIFICATE_KTY;
  readonly kid: string;
  /** The certificate, PEM. */
  readonly pem: string;
}

/** `Accept` of a certificate-map fetch. */
export const CERTIFICATES_ACCEPT = 'application/json';

/**
 * The entries of a certificate-map document: every member whose value is PEM certificate text
 * (others are left out, as a JWKS's unusable keys are).
 * @throws KeySourceError `wrong_shape` for a document that is not a JSON object of strings.
 */
export function certificateEntries(url: string, json: unknown): RemoteJwk[] {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new KeySourceError(
      'wrong_shape',
      url,
      `certificates from ${url} are not a certificate map ({ "<kid>": "<PEM>" })`,
    );
  }
  const entries: CertificateEntry[] = [];
  for (const [kid, pem] of Object.entries(json)) {
    if (typeof pem === 'string' && pem.includes('-----BEGIN CERTIFICATE-----'))
      entries.push({ kty: CERTIFICATE_KTY, kid, pem });
  }
  if (entries.length === 0 && Object.keys(json).length > 0) {
    throw new KeySourceError(
      'wrong_shape',
      url,
      `certificates from ${url} are not a certificate map ({ "<kid>": "<PEM>" })`,
    );
  }
  return entries;
}

/** Whether a key-set entry is a certificate (from a certificate map). */
export function isCertificateEntry(entry: RemoteJwk): entry is CertificateEntry {
  return entry.kty === CERTIFICATE_KTY;
}
