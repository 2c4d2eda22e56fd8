import type { Profile } from '../config/profiles.js';
import type { AuthContext } from '../context/types.js';
import { AuthError, isAuthError } from '../errors/auth-error.js';
import type { RevocationStore } from './store.js';

/** What the verifier asks after a token verified (or was served from the cache). */
export type RevocationCheck = (auth: AuthContext<any>, profile: Profile) => void | Promise<void>;

/**
 * The verifier's revocation check: the `isRevoked` predicate, then the store. A check that cannot
 * answer (an `isRevoked` whose database is down, a store that throws a plain error) fails closed
 * as the stores do: 503 `revocation_unavailable` with `Retry-After`, the error kept as `cause` for
 * `onError` and logs, never a 500 or a pass. Synchronous while the predicate and the store answer
 * synchronously (no store, the memory store): a cached context is then served without a promise
 * (the verifier's `verifyNow`).
 * @throws AuthError `invalid_token` (reason `revoked`), or `revocation_unavailable`.
 */
export function revocationCheck(
  isRevoked: ((auth: AuthContext<any>) => boolean | Promise<boolean>) | undefined,
  revocation: RevocationStore | undefined,
): RevocationCheck {
  function checkStore(auth: AuthContext<any>, profile: Profile, revoked: boolean): void | Promise<void> {
    if (revoked || !revocation) return refuseRevoked(revoked);
    let stored: boolean | Promise<boolean>;
    try {
      stored = revocation.isRevoked(auth, { clockTolerance: profile.policy.tolerance });
    } catch (error) {
      throw unavailable(error);
    }
    if (stored instanceof Promise) {
      return stored.then(refuseRevoked, (error: unknown) => {
        throw unavailable(error);
      });
    }
    return refuseRevoked(stored);
  }

  return function checkRevocation(auth, profile) {
    let predicate: boolean | Promise<boolean>;
    try {
      predicate = isRevoked ? isRevoked(auth) : false;
    } catch (error) {
      throw unavailable(error);
    }
    if (predicate instanceof Promise) {
      return predicate.then(
        (revoked) => checkStore(auth, profile, revoked),
        (error: unknown) => {
          throw unavailable(error);
        },
      );
    }
    return checkStore(auth, profile, predicate);
  };
}

function unavailable(error: unknown): unknown {
  if (isAuthError(error)) return error;
  return new AuthError(
    'revocation_unavailable',
    `the revocation check failed: ${(error as Error)?.message ?? String(error)}`,
    { cause: error },
  );
}

function refuseRevoked(revoked: unknown): void {
  if (revoked === true) throw new AuthError('invalid_token', 'token has been revoked', { reason: 'revoked' });
}
