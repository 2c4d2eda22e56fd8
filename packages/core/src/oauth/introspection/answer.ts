import type { Profile } from '../../config/profiles.js';
import type { JwtClaims } from '../../context/types.js';
import { AuthError } from '../../errors/auth-error.js';
import { KeySourceError } from '../../keys/remote/key-source-error.js';
import { checkClaims, checkTimes } from '../../token/claims.js';

/**
 * What an introspection answer (RFC 7662 §2.2) must be, and what it must say before a request is
 * let through. {@link parseAnswer} runs once per answer received (a defect there is the server's:
 * 503); {@link checkAnswer} runs on every request, cached answer or fresh, with the clock of that
 * request, so a cached answer is judged exactly as a fresh one would be.
 */

/** An answer as received: its members when `active` is `true`, `null` when it is `false`. */
export type Answer = JwtClaims | null;

/**
 * Reads an answer: a JSON object whose `active` is a boolean (RFC 7662 §2.2 requires it).
 * @throws KeySourceError `not_json` or `wrong_shape` (the server's defect, a 503).
 */
export function parseAnswer(text: string, endpoint: string, contentType: string): Answer {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new KeySourceError(
      'not_json',
      endpoint,
      `introspection answer from ${endpoint} is not JSON (content-type: ${contentType.slice(0, 60) || 'none'})`,
    );
  }
  return answerOf(json, endpoint);
}

/** The answer in a parsed JSON value (a plain answer, or RFC 9701's `token_introspection`). */
export function answerOf(json: unknown, endpoint: string): Answer {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new KeySourceError(
      'wrong_shape',
      endpoint,
      `introspection answer from ${endpoint} is not a JSON object`,
    );
  }
  const active = (json as { active?: unknown }).active;
  if (typeof active !== 'boolean') {
    throw new KeySourceError(
      'wrong_shape',
      endpoint,
      `introspection answer from ${endpoint} has no boolean "active" (got ${active === undefined ? 'none' : typeof active})`,
    );
  }
  return active ? (json as JwtClaims) : null;
}

/** The refusal of a token the server says is not active (unknown, expired, revoked). */
export function inactive(): AuthError {
  return new AuthError('invalid_token', 'the authorization server says the token is not active', {
    reason: 'inactive',
  });
}

const ACCESS_TOKEN_TYPES = new Set(['bearer', 'dpop']);
const policies = new WeakMap<Profile, Profile['policy']>();
/** Answers that passed every check once, per profile (see {@link checkAnswer}). */
const accepted = new WeakMap<Profile, WeakSet<JwtClaims>>();

/**
 * Checks an active answer against the profile at `now` (seconds), as a JWT's claims are checked:
 * `exp` (required unless `requireExp: false`), `nbf`, `iat`, `maxTokenAge`, `requiredClaims`,
 * `aud` against the audience (or `resource`). `iss` and `token_type` are optional in RFC 7662,
 * so only checked when present: `iss` must be an accepted issuer, `token_type` an access token
 * type (`Bearer` or `DPoP`), and a `DPoP` one must name its key (`cnf.jkt`).
 * @throws AuthError `invalid_token`.
 */
export function checkAnswer(answer: JwtClaims, profile: Profile, now: number): void {
  let policy = policies.get(profile);
  if (policy === undefined) {
    policy = { ...profile.policy, issuers: undefined };
    policies.set(profile, policy);
  }
  // An answer (frozen, shared by the requests that reuse it) that passed every check once passes
  // them all again but the clock's: only those run (as for a JWT cache hit).
  let passed = accepted.get(profile);
  if (passed?.has(answer)) {
    checkTimes(answer.exp, answer.nbf, answer.iat, policy, now);
    return;
  }
  checkClaims(answer, policy, now);
  const issuers = profile.policy.issuers;
  if (answer.iss !== undefined && issuers !== undefined && !issuers.has(answer.iss)) {
    throw new AuthError('invalid_token', 'token issuer is not accepted', { reason: 'issuer' });
  }
  const type = answer.token_type;
  if (type !== undefined) {
    const normalized = typeof type === 'string' ? type.toLowerCase() : '';
    if (!ACCESS_TOKEN_TYPES.has(normalized)) {
      throw new AuthError('invalid_token', 'the token is not an access token ("token_type")', {
        reason: 'type',
      });
    }
    const jkt = (answer.cnf as { jkt?: unknown } | undefined)?.jkt;
    if (normalized === 'dpop' && typeof jkt !== 'string') {
      throw new AuthError('invalid_token', 'a DPoP token type without "cnf.jkt"', { reason: 'claims' });
    }
  }
  if (Object.isFrozen(answer)) {
    if (passed === undefined) {
      passed = new WeakSet();
      accepted.set(profile, passed);
    }
    passed.add(answer);
  }
}
