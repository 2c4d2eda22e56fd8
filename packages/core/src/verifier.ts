import { resolveTokengateOptions } from './config/declarations.js';
import type { ClaimsOf, TokengateOptions } from './config/options.js';
import { resolveProfiles } from './config/profiles.js';
import { type RequestSettings, resolveSettings } from './config/settings.js';
import type { VerifierLink } from './context/build.js';
import type { AuthContext } from './context/types.js';
import { selectBackend } from './crypto/index.js';
import { AuthError, isAuthError } from './errors/auth-error.js';
import type { VerificationKey } from './keys/key-set.js';
import { logStartupFailure } from './keys/remote/events.js';
import { isOpaque, OPAQUE_HEADER } from './oauth/introspection/introspector.js';
import { resolveResourceOptions } from './oauth/resource-metadata.js';
import { callHook } from './request/hooks.js';
import { revocationCheck } from './revocation/check.js';
import { validateRevocationTolerance } from './revocation/store.js';
import { TokenCache } from './token/cache.js';
import type { StandardSchemaV1 } from './token/schema.js';
import {
  badSignature,
  type CheckedToken,
  checkSignature,
  checkSignedFirst,
  checkToken,
  contextFrom,
  contextOf,
} from './token/verify-uncached.js';

export type { RequestSettings } from './config/settings.js';

/**
 * Verifies compact JWS tokens against one configuration. Create it once at start-up (it holds
 * imported keys, remote key caches and the verified-token cache) and reuse it for every request.
 */
export interface Verifier<C = ClaimsOf<undefined>> {
  /**
   * Verifies a token: structure, header policy, claims, signature, schema, revocation.
   * @throws AuthError for any unacceptable token (`invalid_token` with a `reason`, or
   * `key_source_unavailable` / `revocation_unavailable` 503s).
   */
  verify(token: string): Promise<AuthContext<C>>;
  /**
   * Loads keys now (discovery and remote JWKS included) and rejects with what went wrong; use it
   * at start-up to surface misconfiguration before the first request. A key source that cannot
   * be had rejects with an `Error` whose message is the 503's {@link AuthError.detail} (the URL
   * and the defect: this is for the operator, not a client), with `code` and `cause` of the 503.
   */
  ready(): Promise<void>;
  /** Request-level settings the adapters use, resolved once. */
  readonly settings: RequestSettings;
}

/**
 * Creates a {@link Verifier}. Every option is validated here: a mistake (no key source, `none`
 * in `algorithms`, HMAC with public keys, an unknown option name, a malformed duration) throws a
 * `TypeError` at start-up rather than failing requests later.
 *
 * @example
 * ```ts
 * import { createVerifier } from '@tokengate/core';
 * const verifier = createVerifier({ issuer: 'https://idp.example.com/', audience: 'api://orders' });
 * const auth = await verifier.verify(token); // throws AuthError
 * console.log(auth.subject, [...auth.scopes]);
 * ```
 */
export function createVerifier<S extends StandardSchemaV1 | undefined = undefined>(
  options: TokengateOptions<S>,
): Verifier<ClaimsOf<S>> {
  if (typeof options !== 'object' || options === null)
    throw new TypeError('tokengate: options must be an object');
  const resolved = resolveTokengateOptions(options);
  const backend = selectBackend(resolved.crypto);
  resolveResourceOptions(options);
  const settings = resolveSettings(resolved, backend);
  const schema = resolved.claims;
  const revocation = resolved.revocation;
  const profiles = resolveProfiles(options, resolved, backend);
  if (revocation) {
    for (const p of profiles.list) {
      const where = resolved.issuers === undefined ? '' : ` (issuers[${p.index}])`;
      validateRevocationTolerance(p.policy.tolerance, `clockTolerance${where}`);
    }
  }
  const cache = resolved.cache ? new TokenCache(resolved.cache.maxEntries, resolved.cache.maxAge) : undefined;
  const isRevoked = resolved.isRevoked;
  const introspecting = profiles.introspecting;
  // Every context this verifier builds reaches its revocation store through this (privately).
  const link: VerifierLink = Object.freeze({ revocation, backend });
  // One issuer with fixed keys: the signature is checked before the claims are read (see
  // checkSignedFirst), so a flood of forged tokens costs less than verifying good ones.
  const signedFirst =
    profiles.list.length === 1 && profiles.list[0]!.keys.fixed ? profiles.list[0] : undefined;

  const checkRevocation = revocationCheck(isRevoked, revocation);

  /**
   * The verification of `token`, synchronous when the cache holds it and nothing else needs to
   * wait (the key source is fixed or answers from memory, revocation answers synchronously): the
   * fast lane adapters take for a repeated token. Otherwise the promise `verify` returns.
   */
  function verifyNow(token: string): AuthContext<ClaimsOf<S>> | Promise<AuthContext<ClaimsOf<S>>> {
    if (
      cache === undefined ||
      introspecting !== undefined ||
      typeof token !== 'string' ||
      token.length === 0 ||
      token.length > settings.maxTokenLength
    ) {
      return verify(token);
    }
    const now = Date.now() / 1000;
    let found: ReturnType<TokenCache['lookup']>;
    try {
      found = cache.lookup(token, now);
    } catch (error) {
      return rejectLater(error);
    }
    if (found === undefined || found instanceof Promise || Array.isArray(found))
      return verifyAfter(token, now, found);
    const cached = found as AuthContext<ClaimsOf<S>>;
    if (!(isRevoked || revocation)) return cached;
    try {
      const profile = profiles.select(cached.payload, cached.header);
      if (profile instanceof Promise) return verifyAfter(token, now, cached);
      const pending = checkRevocation(cached, profile);
      return pending === undefined ? cached : pending.then(() => cached);
    } catch (error) {
      return rejectLater(error);
    }
  }

  function verify(token: string): Promise<AuthContext<ClaimsOf<S>>> {
    return verifyAfter(token, Date.now() / 1000, NOT_LOOKED_UP);
  }

  /** `verify`, after `verifyNow` looked `token` up in the cache at `now` (`found`), or before. */
  async function verifyAfter(
    token: string,
    now: number,
    lookedUp: ReturnType<TokenCache['lookup']> | typeof NOT_LOOKED_UP,
  ): Promise<AuthContext<ClaimsOf<S>>> {
    // A refusal is ordinary control flow and must cost no more than a verification. Thrown
    // before the first `await`, it would reject the returned promise before the caller could
    // listen, and Node tracks every such promise as a possible unhandled rejection (~1 µs, about
    // what building the error costs): one `await` first, and the promise rejects once it has a
    // handler (bench/refusal.mjs). A bad signature, the common refusal, is not even thrown twice.
    let refusal: unknown;
    try {
      if (typeof token !== 'string' || token.length === 0) {
        throw new AuthError('invalid_token', 'token is empty', { reason: 'malformed' });
      }
      if (token.length > settings.maxTokenLength) {
        throw new AuthError('invalid_token', `token is longer than ${settings.maxTokenLength} characters`, {
          reason: 'too_large',
        });
      }
      // An opaque token (RFC 7662): the authorization server's answer, checked as claims are, is
      // the payload; the rest (schema, revocation, DPoP in `authenticate`) is the JWT's path.
      if (introspecting !== undefined && (introspecting.introspectAll || isOpaque(token))) {
        let answer = introspecting.introspection!.introspect(token, introspecting, now);
        if (answer instanceof Promise) answer = await answer;
        let auth = contextFrom<ClaimsOf<S>>(
          token,
          OPAQUE_HEADER,
          answer,
          introspecting,
          schema,
          'opaque',
          undefined,
          link,
        );
        if (auth instanceof Promise) auth = await auth;
        if (isRevoked || revocation) await checkRevocation(auth, introspecting);
        return auth;
      }
      let keys: readonly VerificationKey[] | undefined;
      if (cache) {
        let found = lookedUp === NOT_LOOKED_UP ? cache.lookup(token, now) : lookedUp;
        if (found instanceof Promise) found = await found;
        if (Array.isArray(found)) keys = found;
        else if (found !== undefined) {
          const cached = found as AuthContext<ClaimsOf<S>>;
          if (isRevoked || revocation) {
            const profile = profiles.select(cached.payload, cached.header);
            await checkRevocation(cached, profile instanceof Promise ? await profile : profile);
          }
          return cached;
        }
      }
      let checked: CheckedToken;
      let key: VerificationKey | undefined;
      if (signedFirst !== undefined && keys === undefined) {
        let found = checkSignedFirst(token, now, signedFirst, backend);
        if (found instanceof Promise) found = await found;
        checked = found?.checked as CheckedToken;
        key = found?.key;
      } else {
        const found = checkToken(token, now, profiles);
        checked = found instanceof Promise ? await found : found;
        if (keys === undefined) {
          const selected = checked.profile.keys.keysFor(checked.header, checked.payload);
          keys = selected instanceof Promise ? await selected : selected;
        }
        const verified = checkSignature(checked, keys, backend);
        key = verified instanceof Promise ? await verified : verified;
      }
      if (key !== undefined) {
        let auth = contextOf<ClaimsOf<S>>(token, checked, schema, key, link);
        if (auth instanceof Promise) auth = await auth;
        cache?.set(token, checked, auth, key, now);
        if (isRevoked || revocation) await checkRevocation(auth, checked.profile);
        return auth;
      }
      refusal = badSignature();
    } catch (error) {
      refusal = error;
    }
    await undefined;
    throw refusal;
  }

  let readyPromise: Promise<void> | undefined;
  const verifier: Verifier<ClaimsOf<S>> = {
    verify,
    ready: () => {
      readyPromise ??= Promise.all(profiles.list.map((p) => p.keys.ready())).then(
        () => {},
        (error: unknown) => {
          // A 503's message is generic (it may reach clients); at start-up, say what failed.
          if (!isAuthError(error) || error.detail === undefined) throw error;
          throw Object.assign(new Error(error.detail, { cause: error.cause ?? error }), { code: error.code });
        },
      );
      return readyPromise;
    },
    settings,
  };
  fastLanes.set(verifier, verifyNow);
  if (resolved.warmup) {
    const reportKeyError = (error: AuthError) =>
      callHook(settings.onError, { error, request: undefined }, 'onError');
    verifier.ready().catch((error: unknown) => {
      if (settings.onError === undefined) logStartupFailure(resolved.onKeySourceEvent, error);
      else if (isAuthError(error)) reportKeyError(error);
      else
        reportKeyError(new AuthError('key_source_unavailable', (error as Error).message, { cause: error }));
    });
  }
  return verifier;
}

/** `verify` was not preceded by a cache lookup (see `verifyAfter`). */
const NOT_LOOKED_UP: unique symbol = Symbol('not looked up');

/** Each verifier's `verifyNow` (private: the `Verifier` interface stays promise-only). */
const fastLanes = new WeakMap<object, (token: string) => AuthContext<any> | Promise<AuthContext<any>>>();

/**
 * Verifies `token` with `verifier`: the context itself when the verifier can answer at once (a
 * cached token whose revocation check is synchronous), else the promise `verifier.verify` returns.
 * A refusal is always a rejected promise, never a synchronous throw. Answers as `verify` does
 * (`packages/core/test/token/verify-now.test.ts`).
 */
export function verifyNow<C>(verifier: Verifier<C>, token: string): AuthContext<C> | Promise<AuthContext<C>> {
  const lane = fastLanes.get(verifier);
  return lane === undefined ? verifier.verify(token) : lane(token);
}

/** A rejection delivered after one turn, when the caller listens (see `verifyAfter`). */
async function rejectLater(error: unknown): Promise<never> {
  await undefined;
  throw error;
}
