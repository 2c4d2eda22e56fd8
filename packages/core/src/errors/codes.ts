/**
 * The vocabulary of refusals: each stable code, the finer reasons of `invalid_token`, and what a
 * code means on the wire (its HTTP status, its RFC 6750 `error` token, and the fixed sentence a
 * 503 tells clients).
 */

/**
 * Stable machine-readable codes carried by {@link AuthError.code}. Never renamed once released.
 *
 * | code | status | meaning |
 * |---|---|---|
 * | `missing_token` | 401 | no credentials were sent (RFC 6750 §3.1: no `error` in the challenge) |
 * | `invalid_request` | 400 | the `Authorization` header (or token transport) is malformed |
 * | `invalid_token` | 401 | a token was sent but is not acceptable; see {@link AuthError.reason} |
 * | `insufficient_scope` | 403 | a scope guard failed |
 * | `insufficient_role` | 403 | a role guard failed |
 * | `insufficient_claims` | 403 | a `requireClaims` guard failed |
 * | `key_source_unavailable` | 503 | the keys needed to verify could not be fetched |
 * | `revocation_unavailable` | 503 | the revocation store cannot be trusted (fail closed) |
 * | `invalid_dpop_proof` | 401 | the `DPoP` proof is missing, malformed or fails an RFC 9449 §4.3 check |
 * | `use_dpop_nonce` | 401 | the proof lacks the current server nonce (RFC 9449 §8); `DPoP-Nonce` names it |
 * | `replay_unavailable` | 503 | the DPoP replay store cannot be trusted (fail closed) |
 * | `introspection_unavailable` | 503 | the authorization server could not say whether an opaque token is active (RFC 7662) |
 */
export type AuthErrorCode =
  | 'missing_token'
  | 'invalid_request'
  | 'invalid_token'
  | 'insufficient_scope'
  | 'insufficient_role'
  | 'insufficient_claims'
  | 'key_source_unavailable'
  | 'revocation_unavailable'
  | 'invalid_dpop_proof'
  | 'use_dpop_nonce'
  | 'replay_unavailable'
  | 'introspection_unavailable';

/**
 * Finer reason for an `invalid_token` (and a few other) failures, for logs and clients that want
 * to tell "expired" from "invalid".
 */
export type AuthErrorReason =
  | 'expired'
  | 'not_yet_valid'
  | 'bad_signature'
  | 'alg_not_allowed'
  | 'unknown_key'
  | 'issuer'
  | 'audience'
  | 'claims'
  | 'malformed'
  | 'revoked'
  | 'too_large'
  | 'type'
  | 'dpop_required'
  | 'dpop_bound'
  | 'dpop_binding'
  | 'method'
  | 'url'
  | 'ath'
  | 'replayed'
  | 'inactive';

/**
 * The `error` token used in `WWW-Authenticate` and in JSON bodies: RFC 6750 §3.1's, and RFC 9449
 * §7.1 / §9's `invalid_dpop_proof` and `use_dpop_nonce`.
 */
export type BearerErrorToken =
  | 'invalid_request'
  | 'invalid_token'
  | 'insufficient_scope'
  | 'invalid_dpop_proof'
  | 'use_dpop_nonce';

/** The HTTP status of each code. */
export const STATUS: Record<AuthErrorCode, 400 | 401 | 403 | 503> = {
  missing_token: 401,
  invalid_request: 400,
  invalid_token: 401,
  insufficient_scope: 403,
  insufficient_role: 403,
  insufficient_claims: 403,
  key_source_unavailable: 503,
  revocation_unavailable: 503,
  invalid_dpop_proof: 401,
  use_dpop_nonce: 401,
  replay_unavailable: 503,
  introspection_unavailable: 503,
};

/** The RFC 6750 / RFC 9449 `error` token of each code (none without credentials, and on 503s). */
export const BEARER_ERROR: Record<AuthErrorCode, BearerErrorToken | undefined> = {
  missing_token: undefined,
  invalid_request: 'invalid_request',
  invalid_token: 'invalid_token',
  insufficient_scope: 'insufficient_scope',
  insufficient_role: 'insufficient_scope',
  insufficient_claims: 'insufficient_scope',
  key_source_unavailable: undefined,
  revocation_unavailable: undefined,
  invalid_dpop_proof: 'invalid_dpop_proof',
  use_dpop_nonce: 'use_dpop_nonce',
  replay_unavailable: undefined,
  introspection_unavailable: undefined,
};

/** What clients are told on a 503 (the message, with URLs and network errors, is for operators). */
export const UNAVAILABLE: Partial<Record<AuthErrorCode, string>> = {
  key_source_unavailable: 'the keys needed to verify the token are temporarily unavailable',
  revocation_unavailable: 'the revocation status of the token cannot be checked right now',
  replay_unavailable: 'the DPoP proof cannot be checked for replay right now',
  introspection_unavailable: 'the authorization server cannot be asked about the token right now',
};
