import type { Profile, Profiles } from '../config/profiles.js';
import { VerifiedContext, type VerifierLink } from '../context/build.js';
import type { JwtClaims, JwtHeader } from '../context/types.js';
import type { CryptoBackend } from '../crypto/index.js';
import { AuthError } from '../errors/auth-error.js';
import type { VerificationKey } from '../keys/key-set.js';
import type { Algorithm } from './algorithms.js';
import { quoteAlg } from './algorithms.js';
import {
  type ClaimsPolicy,
  checkAccessTokenClaims,
  checkClaims,
  checkHeaderType,
  runClaimChecks,
} from './claims.js';
import { type DecodedJwt, decodePayload, type SplitJwt, splitJwt, usesJwsExtensions } from './jws.js';
import type { StandardSchemaV1 } from './schema.js';

/**
 * Verifying a token from scratch, in the order a request meets the steps: the cheap structural,
 * header and claims checks first ({@link checkToken}, no key lookup), then the keys
 * (`profile.keys.keysFor`), the signature ({@link checkSignature}), and the claims schema
 * ({@link contextOf}). The verifier composes them; the cache skips only the signature and the
 * schema, and only on the terms of its contract (see `cache.ts`).
 */

/** A token that passed {@link checkToken}: decoded, with the issuer profile that governs it. */
export interface CheckedToken extends DecodedJwt {
  readonly header: JwtHeader & { alg: Algorithm };
  readonly profile: Profile;
}

function algNotAllowed(alg: unknown): AuthError {
  return new AuthError('invalid_token', `algorithm ${quoteAlg(alg)} is not allowed`, {
    reason: 'alg_not_allowed',
  });
}

/**
 * Decodes a token and runs every check that needs no key: structure, the algorithm allow-list,
 * unsupported JWS extensions, the issuer profile, `typ`, and the registered claims at `now`
 * (seconds).
 * @throws AuthError `invalid_token`.
 */
export function checkToken(
  token: string,
  now: number,
  profiles: Profiles,
): CheckedToken | Promise<CheckedToken> {
  const split = splitJwt(token);
  const header = split.header;
  checkAlgorithm(header, profiles.allowed);
  // The header before the claims, as in checkSignedFirst: with one issuer, its profile's header
  // rules apply before the payload is parsed; with several, the payload names the profile.
  const only = profiles.list.length === 1 ? profiles.list[0] : undefined;
  if (only !== undefined) checkProfileHeader(header, only);
  const payload = decodePayload(split);
  if (only !== undefined) return checkedToken(split, payload, only, now);
  const profile = profiles.select(payload, header);
  // An `issuers` function not answered yet for this `iss`: the only asynchronous step.
  if (profile instanceof Promise) {
    return profile.then((p) => {
      checkProfileHeader(header, p);
      return checkedToken(split, payload, p, now);
    });
  }
  checkProfileHeader(header, profile);
  return checkedToken(split, payload, profile, now);
}

function checkedToken(split: SplitJwt, payload: JwtClaims, profile: Profile, now: number): CheckedToken {
  const header = split.header as CheckedToken['header'];
  checkPayload(header, payload, profile.policy, now);
  // A literal, not a spread: spreading the decoded object cost 7 % of an uncached HS256 verify.
  return { header, payload, signingInput: split.signingInput, signature: split.signature, profile };
}

/**
 * The claims checks of a profile: the registered claims at `now`, RFC 9068's when `typ: 'at+jwt'`
 * is configured, and the `claimCheck` functions.
 */
function checkPayload(header: JwtHeader, payload: JwtClaims, policy: ClaimsPolicy, now: number): void {
  checkClaims(payload, policy, now);
  if (policy.accessTokenClaims) checkAccessTokenClaims(header, payload);
  if (policy.checks !== undefined) runClaimChecks(policy.checks, payload, header);
}

function checkAlgorithm(header: JwtHeader, allowed: ReadonlySet<Algorithm>): void {
  if (!allowed.has(header.alg as Algorithm)) throw algNotAllowed(header.alg);
  if (usesJwsExtensions(header)) {
    throw new AuthError('invalid_token', 'token uses JWS extensions ("crit"/"b64") that are not supported', {
      reason: 'malformed',
    });
  }
}

function checkProfileHeader(header: JwtHeader, profile: Profile): void {
  if (!profile.algorithms.has(header.alg as Algorithm)) throw algNotAllowed(header.alg);
  checkHeaderType(header, profile.policy);
}

const NO_CLAIMS: JwtClaims = Object.freeze({});

/**
 * {@link checkToken} and {@link checkSignature} in the other order, for a verifier with one
 * issuer whose keys are fixed (configured secrets, public keys, a local JWKS): no claim is
 * needed to choose the profile or the keys, so the signature is checked as soon as the header
 * allows it, and the payload is decoded and checked only for a token whose signature holds.
 * A forged or tampered token — what a flood of bad tokens is made of — then costs the header
 * and the signature only, less than a verification. The answer is the same as in the other
 * order for every token but one with two defects (a bad signature and, say, expired claims),
 * refused for its signature rather than for its claims: the same 401 `invalid_token`.
 *
 * @returns the checked token and the key that verified it, or `undefined` for a bad signature.
 * @throws AuthError `invalid_token` for every other defect.
 */
export function checkSignedFirst(
  token: string,
  now: number,
  profile: Profile,
  backend: CryptoBackend,
):
  | { checked: CheckedToken; key: VerificationKey }
  | undefined
  | Promise<{ checked: CheckedToken; key: VerificationKey } | undefined> {
  const split = splitJwt(token);
  const header = split.header as CheckedToken['header'];
  checkAlgorithm(header, profile.algorithms);
  checkProfileHeader(header, profile);
  const keys = profile.keys.keysFor(header, NO_CLAIMS);
  const candidate = { header, signingInput: split.signingInput, signature: split.signature };
  const finish = (key: VerificationKey | undefined) => {
    if (key === undefined) return undefined;
    const payload = decodePayload(split);
    checkPayload(header, payload, profile.policy, now);
    const checked: CheckedToken = {
      header,
      payload,
      signingInput: split.signingInput,
      signature: split.signature,
      profile,
    };
    return { checked, key };
  };
  if (keys instanceof Promise) {
    return keys.then(async (list) => finish(await checkSignature(candidate, list, backend)));
  }
  const key = checkSignature(candidate, keys, backend);
  return key instanceof Promise ? key.then(finish) : finish(key);
}

/**
 * Checks the signature against the candidate keys in order; returns the key that verified
 * (synchronously when the backend is synchronous, as node:crypto is), or `undefined` when none
 * does: the caller refuses with {@link badSignature}. Not throwing keeps a refusal as cheap as a
 * verification (a throw and catch is ~0.3 µs).
 */
export function checkSignature(
  token: Pick<CheckedToken, 'header' | 'signingInput' | 'signature'>,
  keys: readonly VerificationKey[],
  backend: CryptoBackend,
): VerificationKey | undefined | Promise<VerificationKey | undefined> {
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    const result = backend.verify(token.header.alg, key.key, token.signingInput, token.signature);
    if (result instanceof Promise) return checkSignatureAsync(token, keys, backend, i, result);
    if (result) return key;
  }
  return undefined;
}

async function checkSignatureAsync(
  token: Pick<CheckedToken, 'header' | 'signingInput' | 'signature'>,
  keys: readonly VerificationKey[],
  backend: CryptoBackend,
  from: number,
  pending: Promise<boolean>,
): Promise<VerificationKey | undefined> {
  if (await pending) return keys[from]!;
  for (let i = from + 1; i < keys.length; i++) {
    const key = keys[i]!;
    if (await backend.verify(token.header.alg, key.key, token.signingInput, token.signature)) return key;
  }
  return undefined;
}

/** The refusal of a token whose signature no candidate key verifies. */
export function badSignature(): AuthError {
  return new AuthError('invalid_token', 'token signature is invalid', { reason: 'bad_signature' });
}

/**
 * The context of a verified token: the claims are the schema's output when a `claims` schema is
 * given (synchronously when there is no schema or it validates synchronously). The context keeps
 * `key` and `verifier` privately, for `watchAuth` (see `context/build.ts`).
 * @throws AuthError `invalid_token` (`claims`) when the schema refuses the payload.
 */
export function contextOf<C>(
  token: string,
  checked: CheckedToken,
  schema: StandardSchemaV1 | undefined,
  key: VerificationKey,
  verifier: VerifierLink,
): VerifiedContext<C> | Promise<VerifiedContext<C>> {
  return contextFrom(token, checked.header, checked.payload, checked.profile, schema, 'jwt', key, verifier);
}

/**
 * The context of a token whose payload is established (a verified JWS, or an introspection
 * answer), with the `claims` schema applied as in {@link contextOf}.
 * @throws AuthError `invalid_token` (`claims`) when the schema refuses the payload.
 */
export function contextFrom<C>(
  token: string,
  header: JwtHeader,
  payload: JwtClaims,
  profile: Profile,
  schema: StandardSchemaV1 | undefined,
  tokenType: 'jwt' | 'opaque',
  key: VerificationKey | undefined,
  verifier: VerifierLink,
): VerifiedContext<C> | Promise<VerifiedContext<C>> {
  const build = (claims: unknown) =>
    new VerifiedContext<C>(token, header, claims as C, payload, profile, key, verifier, tokenType);
  if (schema === undefined) return build(payload);
  const result = schema['~standard'].validate(payload);
  return result instanceof Promise ? result.then((r) => build(claimsOf(r))) : build(claimsOf(result));
}

function claimsOf(result: StandardSchemaV1.Result<unknown>): unknown {
  if (result.issues) {
    const paths = result.issues
      .slice(0, 5)
      .map(
        (issue) =>
          (issue.path ?? []).map((p) => String(typeof p === 'object' ? p.key : p)).join('.') || '(root)',
      );
    throw new AuthError(
      'invalid_token',
      `token claims do not match the schema (at ${[...new Set(paths)].join(', ')})`,
      { reason: 'claims' },
    );
  }
  return result.value;
}
