import { decodeJwt, isAuthError, type JwtClaims, type JwtHeader } from '@tokengate/core';
import { decodeJwtSegment, isAlgorithm, isSymmetric } from '@tokengate/core/adapter';
import { describeTime, isoDate, span, type TimeClaim } from './time.js';

/** A token decoded for display (not verified). */
export interface Decoded {
  header: JwtHeader;
  payload: JwtClaims;
  /** True for an `alg: "none"` token, which core refuses to decode. */
  unsecured: boolean;
}

/**
 * Decodes with core; an `alg: "none"` token is decoded for display only, segment by segment.
 * @throws AuthError when the token is not a decodable JWS.
 */
export function decodeForDisplay(token: string): Decoded {
  try {
    const { header, payload } = decodeJwt(token);
    return { header, payload, unsecured: false };
  } catch (error) {
    if (!isAuthError(error) || error.reason !== 'alg_not_allowed') throw error;
    const segments = token.split('.');
    const header = decodeJwtSegment(segments[0] ?? '', 'header') as JwtHeader;
    const payload = decodeJwtSegment(segments[1] ?? '', 'payload') as JwtClaims;
    return { header, payload, unsecured: true };
  }
}

/** One time claim, explained. */
export interface TimeInfo {
  /** The claim's value, seconds since the epoch. */
  readonly value: number;
  /** ISO 8601 date. */
  readonly date: string | undefined;
  /** "expires in 12 min", "expired 3 h ago", … */
  readonly relative: string;
}

/** A risk or problem noticed in a token (decoding is not verifying). */
export interface Warning {
  readonly code:
    | 'alg_none'
    | 'no_exp'
    | 'long_lifetime'
    | 'symmetric_public_issuer'
    | 'embedded_key'
    | 'expired'
    | 'not_yet_valid'
    | 'bad_time_claim';
  readonly message: string;
}

/** Longest lifetime (`exp` − `iat`) decode accepts without a warning: 24 h. */
export const LONG_LIFETIME_SECONDS = 24 * 3600;

const TIME_CLAIMS: readonly TimeClaim[] = ['exp', 'nbf', 'iat'];

/** The time claims of a payload explained relative to `now` (seconds). */
export function times(payload: JwtClaims, now: number): Partial<Record<TimeClaim, TimeInfo>> {
  const out: Partial<Record<TimeClaim, TimeInfo>> = {};
  for (const claim of TIME_CLAIMS) {
    const value = payload[claim];
    if (typeof value !== 'number' || !Number.isFinite(value)) continue;
    out[claim] = { value, date: isoDate(value), relative: describeTime(claim, value, now) };
  }
  return out;
}

function isHttpsUrl(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  try {
    return new URL(value).protocol === 'https:';
  } catch {
    return false;
  }
}

/** Warnings for a decoded (unverified) token at `now` (seconds). */
export function warnings(header: JwtHeader, payload: JwtClaims, now: number): Warning[] {
  const out: Warning[] = [];
  const alg = header.alg;
  if (typeof alg === 'string' && alg.toLowerCase() === 'none') {
    out.push({
      code: 'alg_none',
      message:
        'UNSECURED TOKEN: alg "none" has no signature, so anyone can forge it; tokengate never accepts it',
    });
  }
  for (const claim of TIME_CLAIMS) {
    const value = payload[claim];
    if (value !== undefined && (typeof value !== 'number' || !Number.isFinite(value))) {
      out.push({
        code: 'bad_time_claim',
        message: `"${claim}" is not a NumericDate (seconds since the epoch)`,
      });
    }
  }
  const exp = typeof payload.exp === 'number' && Number.isFinite(payload.exp) ? payload.exp : undefined;
  const iat = typeof payload.iat === 'number' && Number.isFinite(payload.iat) ? payload.iat : undefined;
  const nbf = typeof payload.nbf === 'number' && Number.isFinite(payload.nbf) ? payload.nbf : undefined;
  if (payload.exp === undefined) {
    out.push({
      code: 'no_exp',
      message: 'no "exp": this token never expires (tokengate rejects it by default)',
    });
  } else if (exp !== undefined) {
    const lifetime = exp - (iat ?? now);
    if (lifetime > LONG_LIFETIME_SECONDS) {
      out.push({
        code: 'long_lifetime',
        message:
          iat !== undefined
            ? `long lifetime: valid for ${span(lifetime)} from "iat" (more than 24 h); access tokens usually live minutes`
            : `long lifetime: still valid for ${span(lifetime)} (more than 24 h); access tokens usually live minutes`,
      });
    }
    if (exp <= now) out.push({ code: 'expired', message: `expired ${span(now - exp)} ago` });
  }
  if (nbf !== undefined && nbf > now) {
    out.push({ code: 'not_yet_valid', message: `not valid before "nbf", ${span(nbf - now)} from now` });
  }
  if (isAlgorithm(alg) && isSymmetric(alg) && isHttpsUrl(payload.iss)) {
    out.push({
      code: 'symmetric_public_issuer',
      message: `${alg} (a shared secret) from the public issuer ${JSON.stringify(payload.iss)}: everyone who can verify these tokens can also forge them; public issuers sign with RS256/ES256/EdDSA`,
    });
  }
  const embedded = ['jku', 'jwk', 'x5u', 'x5c'].filter((name) => header[name] !== undefined);
  if (embedded.length > 0) {
    out.push({
      code: 'embedded_key',
      message: `the header names its own key (${embedded.join(', ')}); never trust a key the token brings — tokengate ignores these`,
    });
  }
  return out;
}
