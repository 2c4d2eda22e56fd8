import type { ClaimCheck } from '../config/issuer-options.js';
import type { JwtClaims, JwtHeader } from '../context/types.js';
import { AuthError } from '../errors/auth-error.js';
import type { AuthErrorReason } from '../errors/codes.js';
import { isWellFormedString } from '../revocation/store.js';
import { type IssuerTemplate, matchesAnyTemplate } from './issuer-template.js';

/** The claims rules of one issuer profile, resolved once from the options. */
export interface ClaimsPolicy {
  /** Accepted `iss` values (with {@link ClaimsPolicy.issuerTemplates}); undefined = any. */
  readonly issuers: ReadonlySet<string> | undefined;
  /** Issuer templates (`{tid}`): an `iss` not in `issuers` may fill one of them. */
  readonly issuerTemplates?: readonly IssuerTemplate[] | undefined;
  /** `typ: 'at+jwt'` was configured: an `at+jwt` token must carry RFC 9068 §2.2's claims. */
  readonly accessTokenClaims?: boolean;
  /** The `claimCheck` functions. */
  readonly checks?: readonly ClaimCheck[];
  /** Accepted `aud` values; undefined = any. */
  readonly audiences: ReadonlySet<string> | undefined;
  /** Seconds. */
  readonly tolerance: number;
  /** Seconds, or undefined. */
  readonly maxTokenAge: number | undefined;
  /** Seconds, or undefined. */
  readonly maxTokenLifetime: number | undefined;
  /** Claims that must be present (includes `exp` unless `requireExp: false`). */
  readonly required: readonly string[];
  /** Accepted normalized `typ` values; `''` stands for "no typ". */
  readonly typ: ReadonlySet<string>;
}

function fail(reason: AuthErrorReason, message: string): AuthError {
  return new AuthError('invalid_token', message, { reason });
}

/** Normalizes a `typ` value: lower case, without an `application/` prefix (RFC 7515 §4.1.9). */
export function normalizeTyp(typ: string): string {
  const lower = typ.toLowerCase();
  return lower.startsWith('application/') ? lower.slice(12) : lower;
}

/** Default accepted `typ` values: `JWT`, `at+jwt`, or none. */
export const DEFAULT_TYP: ReadonlySet<string> = new Set(['jwt', 'at+jwt', '']);

/** Checks the `typ` header against the policy. */
export function checkHeaderType(header: JwtHeader, policy: ClaimsPolicy): void {
  const typ = header.typ;
  if (typ === undefined) {
    if (!policy.typ.has('')) throw fail('type', 'token has no "typ" header but one is required');
    return;
  }
  if (typeof typ !== 'string') throw fail('malformed', 'token "typ" header is not a string');
  // `''` stands for "no typ" in the policy: an empty media type (`""`, `"application/"`) is not that.
  const normalized = normalizeTyp(typ);
  if (normalized === '' || !policy.typ.has(normalized))
    throw fail('type', 'token "typ" header is not accepted');
}

function numericDate(payload: JwtClaims, name: 'exp' | 'nbf' | 'iat'): number | undefined {
  const value = payload[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value))
    throw fail('claims', `"${name}" claim is not a NumericDate`);
  return value;
}

/** Which time-dependent check a token fails; see {@link timeFault}. */
export type TimeFault = 'expired' | 'nbf' | 'iat' | 'no_iat' | 'too_old';

const TIME_FAULTS: Record<TimeFault, () => AuthError> = {
  expired: () => fail('expired', 'token has expired'),
  nbf: () => fail('not_yet_valid', 'token is not valid yet ("nbf")'),
  iat: () => fail('not_yet_valid', 'token was issued in the future ("iat")'),
  no_iat: () => fail('claims', 'token has no "iat" but a maximum age is set'),
  too_old: () => fail('expired', 'token is older than the maximum age'),
};

/**
 * Every check of a token that depends on the clock: `exp`, `nbf`, `iat` in the future and
 * `maxTokenAge`, at `now` (seconds), with the policy's tolerance. The one implementation used by
 * a fresh verify ({@link checkClaims}) and by every cache hit, so both agree to the last bit.
 * Allocation-free: returns the failed check, or undefined.
 */
export function timeFault(
  exp: number | undefined,
  nbf: number | undefined,
  iat: number | undefined,
  policy: ClaimsPolicy,
  now: number,
): TimeFault | undefined {
  const tolerance = policy.tolerance;
  if (exp !== undefined && now >= exp + tolerance) return 'expired';
  if (nbf !== undefined && now + tolerance < nbf) return 'nbf';
  if (iat !== undefined && now + tolerance < iat) return 'iat';
  if (policy.maxTokenAge !== undefined) {
    if (iat === undefined) return 'no_iat';
    if (now - iat > policy.maxTokenAge + tolerance) return 'too_old';
  }
  return undefined;
}

/**
 * Throws the refusal of {@link timeFault}, if any: what a cached answer that passed every other
 * check once needs on each later use (the introspection cache).
 * @throws AuthError `invalid_token`.
 */
export function checkTimes(
  exp: number | undefined,
  nbf: number | undefined,
  iat: number | undefined,
  policy: ClaimsPolicy,
  now: number,
): void {
  const fault = timeFault(exp, nbf, iat, policy, now);
  if (fault !== undefined) throw TIME_FAULTS[fault]();
}

// `sid` (OpenID Connect's session id, a string) is one too: `revokeSession` keys revocations by it.
const IDENTITY_CLAIMS = ['iss', 'sub', 'jti', 'sid'] as const;

/**
 * Checks the registered claims of an (unverified or verified) payload against the policy at
 * `now` (seconds since the epoch). Cheap: run before any key lookup.
 */
export function checkClaims(payload: JwtClaims, policy: ClaimsPolicy, now: number): void {
  const exp = numericDate(payload, 'exp');
  const nbf = numericDate(payload, 'nbf');
  const iat = numericDate(payload, 'iat');
  for (const name of IDENTITY_CLAIMS) {
    const value = payload[name];
    if (value === undefined) continue;
    if (typeof value !== 'string') throw fail('claims', `"${name}" claim is not a string`);
    // An identity with a lone surrogate has no UTF-8 spelling: a store would key its revocation
    // under another string (U+FFFD). No issuer mints one; refuse it.
    if (!isWellFormedString(value)) throw fail('claims', `"${name}" claim is not well-formed Unicode`);
  }
  for (const name of policy.required) {
    if (payload[name] === undefined || payload[name] === null)
      throw fail('claims', `required claim "${name}" is missing`);
  }
  const fault = timeFault(exp, nbf, iat, policy, now);
  if (fault !== undefined) throw TIME_FAULTS[fault]();
  if (policy.maxTokenLifetime !== undefined && exp !== undefined) {
    const start = iat ?? now;
    if (exp - start > policy.maxTokenLifetime)
      throw fail('claims', 'token lifetime ("exp" - "iat") is longer than allowed');
  }
  if (policy.issuers !== undefined) {
    const iss = payload.iss;
    if (
      typeof iss !== 'string' ||
      !(
        policy.issuers.has(iss) ||
        (policy.issuerTemplates !== undefined && matchesAnyTemplate(policy.issuerTemplates, iss, payload))
      )
    )
      throw fail('issuer', 'token issuer is not accepted');
  }
  if (policy.audiences !== undefined) checkAudience(payload.aud, policy.audiences);
}

function checkAudience(aud: unknown, accepted: ReadonlySet<string>): void {
  if (typeof aud === 'string') {
    if (accepted.has(aud)) return;
  } else if (Array.isArray(aud)) {
    let match = false;
    for (const value of aud) {
      if (typeof value !== 'string')
        throw fail('claims', '"aud" claim must be a string or an array of strings');
      if (accepted.has(value)) match = true;
    }
    if (match) return;
  } else if (aud !== undefined) {
    throw fail('claims', '"aud" claim must be a string or an array of strings');
  }
  throw fail('audience', 'token audience is not accepted');
}

/** The claims RFC 9068 §2.2 requires of a JWT access token, `client_id` a string among them. */
const ACCESS_TOKEN_CLAIMS = ['iss', 'exp', 'aud', 'sub', 'client_id', 'iat', 'jti'] as const;

/**
 * RFC 9068 whole, for a token whose `typ` is `at+jwt` when `typ: 'at+jwt'` is configured: every
 * claim §2.2 requires is present, and `client_id` is a string (as auth0's library checks).
 * @throws AuthError `invalid_token`, reason `claims`.
 */
export function checkAccessTokenClaims(header: JwtHeader, payload: JwtClaims): void {
  if (typeof header.typ !== 'string' || normalizeTyp(header.typ) !== 'at+jwt') return;
  for (const name of ACCESS_TOKEN_CLAIMS) {
    if (payload[name] === undefined || payload[name] === null)
      throw fail('claims', `access token (RFC 9068) lacks the required claim "${name}"`);
  }
  if (typeof payload.client_id !== 'string')
    throw fail('claims', 'access token (RFC 9068) "client_id" claim is not a string');
}

/**
 * Runs the profile's `claimCheck` functions on the decoded claims.
 * @throws AuthError `invalid_token`, reason `claims`, with the check's message.
 */
export function runClaimChecks(checks: readonly ClaimCheck[], payload: JwtClaims, header: JwtHeader): void {
  for (const check of checks) {
    const verdict = check(payload, header);
    if (verdict === true || verdict === undefined) continue;
    throw fail(
      'claims',
      typeof verdict === 'string' && verdict !== '' ? verdict : 'token claims are refused',
    );
  }
}
