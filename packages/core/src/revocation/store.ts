import type { AuthContext } from '../context/types.js';

/** A moment given either as a `Date` or as a JWT NumericDate (seconds since the epoch). */
export type Instant = Date | number;

/** What the verifier tells a store along with the token it asks about. */
export interface RevocationCheck {
  /**
   * The verifier's `clockTolerance` for this token, in seconds: a subject cut-off also revokes
   * tokens whose `iat` is up to this far after it (the verifier accepted an `iat` that far in the
   * future, so such a token may have been issued before the cut-off by a clock running ahead).
   * @default 5
   */
  readonly clockTolerance?: number;
}

/**
 * Where revoked tokens are remembered. Passed as the `revocation` option of every adapter.
 * tokengate ships an in-memory store ({@link createMemoryRevocationStore}) and a Redis store
 * shared by every instance of an app (`@tokengate/redis`).
 *
 * `isRevoked` is on every request's path (including cache hits): implementations answer from
 * memory where they can. When a store cannot tell, it throws an `AuthError` with code
 * `revocation_unavailable` (503), never a generic error.
 *
 * A store decides from `auth.payload` (the verified payload as the token carried it), never from
 * `auth.claims` (what a `claims` schema returned, which may have dropped `jti` or `sub`).
 * Identifiers must be well-formed Unicode ({@link validateRevocationId}): the verifier refuses
 * tokens whose `jti`, `sub` or `iss` are not, so a store never has to key one.
 */
export interface RevocationStore {
  /**
   * Revokes one token by its `jti` until `until` (normally the token's `exp`); after that the
   * token is expired anyway and the entry may be forgotten (after
   * {@link REVOCATION_LEEWAY_SECONDS}, which covers the verifier's `clockTolerance`).
   * @throws TypeError when `jti` is not a non-empty, well-formed string.
   */
  revoke(jti: string, until: Instant): Promise<void>;
  /**
   * Revokes every token of subject `sub` issued at or before `issuedBefore` (default: now), e.g. on
   * "log out everywhere" or a password change. Tokens without `iat` are revoked too, and so are
   * tokens whose `iat` is at most the verifier's `clockTolerance` after `issuedBefore` (see
   * {@link RevocationCheck.clockTolerance}): a token issued within that window after the cut-off
   * (a clock running ahead cannot be told from a later issue) is revoked as well.
   * @throws TypeError when `sub` is not a non-empty, well-formed string.
   */
  revokeSubject(sub: string, issuedBefore?: Instant): Promise<void>;
  /**
   * Revokes every token of one login session: tokens whose `sid` claim is `sid` and that were
   * issued at or before `issuedBefore` (default: now), as OpenID Connect Back-Channel Logout asks
   * (`backchannelLogout` in every adapter calls it). The cut-off works as
   * {@link RevocationStore.revokeSubject}'s does: tokens without `iat`, and tokens whose `iat` is at
   * most the verifier's `clockTolerance` after it, are revoked too; a token minted for the same
   * `sid` later (an `offline_access` refresh, which the specification says outlives the logout)
   * is not. The entry is kept {@link SESSION_RETENTION_SECONDS} past the cut-off (the Redis store:
   * its `maxTokenLifetime` when set), then forgotten: sessions are many, and every token issued
   * before the logout has expired by then.
   *
   * Optional, so that stores written before it keep compiling; the ones tokengate ships have it,
   * and `backchannelLogout` refuses at start-up a store without it.
   * @throws TypeError when `sid` is not a non-empty, well-formed string.
   * @see https://openid.net/specs/openid-connect-backchannel-1_0.html#BCActions
   */
  revokeSession?(sid: string, issuedBefore?: Instant): Promise<void>;
  /** Whether the verified token is revoked. The verifier passes its `clockTolerance` in `check`. */
  isRevoked(auth: AuthContext<any>, check?: RevocationCheck): boolean | Promise<boolean>;
  /** Releases connections and timers. */
  close?(): Promise<void>;
  /**
   * Calls `listener` for each revocation the store learns of — made through this store or, for
   * a shared store, on another instance — once `isRevoked` answers with it, until the returned
   * function is called. `watchAuth` relies on it to end connections on revocation within the
   * store's propagation time, with one listener per store (not one per connection) and without
   * polling. A store without it still refuses revoked tokens; only held connections cannot see
   * the revocation. Listeners must not throw (a store may ignore what they throw).
   */
  subscribe?(listener: (change: RevocationChange) => void): () => void;
}

/**
 * A revocation a store announces ({@link RevocationStore.subscribe}): the tokens whose
 * payload member `claim` equals `value` may be revoked now (`{ claim: 'jti', value }` for
 * `revoke`, `{ claim: 'sub', value }` for `revokeSubject`; a store may name other claims, as a
 * session store names `sid`). Without `claim`, any token may be. Listeners ask the store's own
 * `isRevoked` which tokens are, so a change never has to describe the rule.
 */
export interface RevocationChange {
  /** The payload member the revocation is keyed by: `'jti'`, `'sub'`, or another claim. */
  readonly claim?: string;
  /** The revoked value of `claim`. */
  readonly value?: string;
}

/** What {@link createRevocationChanges} returns. */
export interface RevocationChanges {
  /** The store's {@link RevocationStore.subscribe}: adds a listener, returns its removal. */
  subscribe(listener: (change: RevocationChange) => void): () => void;
  /** Tells every listener of a change (after the store's `isRevoked` answers with it). */
  notify(change: RevocationChange): void;
}

/**
 * The listener list of a store that announces revocations (what the memory and Redis stores
 * share): `subscribe` for the store's method, `notify` after each change. A throwing listener is
 * ignored, so one watcher cannot keep the others from hearing a revocation.
 *
 * @example
 * ```ts
 * const changes = createRevocationChanges();
 * const store = { ...methods, subscribe: changes.subscribe };
 * changes.notify({ claim: 'jti', value: jti });
 * ```
 */
export function createRevocationChanges(): RevocationChanges {
  const listeners = new Set<(change: RevocationChange) => void>();
  return {
    subscribe(listener) {
      if (typeof listener !== 'function') throw new TypeError('subscribe: listener must be a function');
      // A wrapper per subscription, so the same function subscribed twice is two subscriptions.
      const entry = (change: RevocationChange) => listener(change);
      listeners.add(entry);
      return () => {
        listeners.delete(entry);
      };
    },
    notify(change) {
      for (const listener of [...listeners]) {
        try {
          listener(change);
        } catch {
          // The listener's own failure; the others still hear the change.
        }
      }
    },
  };
}

/**
 * How long a revoked `jti` is remembered past its `until`, in seconds. The verifier accepts a
 * token up to `clockTolerance` after its `exp`, so a store that forgot the revocation exactly at
 * `exp` would let a revoked token through again for that long; stores keep entries for
 * `until + REVOCATION_LEEWAY_SECONDS` instead. A verifier with a `revocation` store therefore
 * refuses, at start-up, a `clockTolerance` longer than this ({@link validateRevocationTolerance}).
 */
export const REVOCATION_LEEWAY_SECONDS = 300;

/**
 * How long a revoked session ({@link RevocationStore.revokeSession}) is remembered past its cut-off,
 * in seconds, by stores that are not told the longest token lifetime: 24 hours, the longest
 * default access-token lifetime among the common providers (Auth0's 86400 s; Okta, Entra ID and
 * oidc-provider use an hour, Keycloak five minutes). Every token of the session issued before the
 * logout has expired by then, so forgetting the entry lets nothing through; keeping it forever
 * would grow the store by one entry per logout. Stores add twice {@link REVOCATION_LEEWAY_SECONDS}
 * (tokens issued within `clockTolerance` after the cut-off, accepted `clockTolerance` past `exp`).
 */
export const SESSION_RETENTION_SECONDS = 86_400;

const DEFAULT_CLOCK_TOLERANCE = 5;

/**
 * Throws a `TypeError` when a `clockTolerance` (seconds) is longer than the
 * {@link REVOCATION_LEEWAY_SECONDS} that revocation stores keep entries past a token's expiry:
 * with it, a revoked token would outlive its revocation record.
 *
 * @example
 * ```ts
 * validateRevocationTolerance(600, 'clockTolerance'); // throws TypeError
 * ```
 */
export function validateRevocationTolerance(seconds: number, option: string): void {
  if (seconds > REVOCATION_LEEWAY_SECONDS) {
    throw new TypeError(
      `tokengate: option "${option}" must be at most ${REVOCATION_LEEWAY_SECONDS} s with a "revocation" store (revocation records are kept that long past a token's expiry)`,
    );
  }
}

// With the `u` flag a surrogate class matches only surrogates that are not part of a pair.
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

/**
 * Whether a string is well-formed Unicode: no lone (unpaired) UTF-16 surrogate. A lone surrogate
 * has no UTF-8 spelling (it becomes U+FFFD), so a store that writes it anywhere as UTF-8 would
 * read back a different identifier.
 *
 * @example
 * ```ts
 * isWellFormedString('abc'); // true
 * isWellFormedString('abc\ud800'); // false
 * ```
 */
export function isWellFormedString(value: string): boolean {
  // The built-in (ES2024; Node 20, Bun, Deno, workerd) answers a one-byte string without a scan.
  return nativeWellFormed ? nativeWellFormed.call(value) : !LONE_SURROGATE.test(value);
}

const nativeWellFormed = (String.prototype as { isWellFormed?: (this: string) => boolean }).isWellFormed;

/**
 * Validates an identifier given to `revoke` (`jti`) or `revokeSubject` (`sub`): a non-empty,
 * well-formed string. Every store calls it, so an identifier that no token the verifier accepts
 * can carry is refused up front rather than stored under another spelling.
 *
 * @throws TypeError naming the method and the argument.
 * @example
 * ```ts
 * validateRevocationId(jti, 'revoke', 'jti');
 * ```
 */
export function validateRevocationId(value: unknown, method: string, name: string): asserts value is string {
  if (typeof value !== 'string' || value === '') {
    throw new TypeError(`${method}: ${name} must be a non-empty string`);
  }
  if (!isWellFormedString(value)) {
    throw new TypeError(
      `${method}: ${name} must be well-formed Unicode (it contains a lone surrogate, which no accepted token can carry)`,
    );
  }
}

/** Converts an {@link Instant} to seconds since the epoch; throws `TypeError` on an invalid one. */
export function toEpochSeconds(value: Instant): number {
  const seconds = value instanceof Date ? value.getTime() / 1000 : value;
  if (typeof seconds === 'number' && Number.isFinite(seconds)) return seconds;
  throw new TypeError('expected a valid Date or a NumericDate (seconds since the epoch)');
}

/**
 * The pure decision every store shares: is this token revoked, given the `jti` expiry table, the
 * per-subject cut-offs and (optionally) the per-session cut-offs? Reads `auth.payload` (never the
 * schema's `claims`). A subject or session cut-off revokes tokens without `iat`, tokens issued
 * before it, and tokens whose `iat` is at most `clockTolerance` seconds after it.
 */
export function isRevokedBy(
  auth: AuthContext<any>,
  revokedJti: (jti: string) => number | undefined,
  subjectCutoff: (sub: string) => number | undefined,
  nowSeconds: number,
  clockTolerance: number = DEFAULT_CLOCK_TOLERANCE,
  sessionCutoff?: (sid: string) => number | undefined,
): boolean {
  const payload = auth.payload as { jti?: unknown; sub?: unknown; iat?: unknown; sid?: unknown };
  if (typeof payload.jti === 'string') {
    const until = revokedJti(payload.jti);
    if (until !== undefined && until + REVOCATION_LEEWAY_SECONDS > nowSeconds) return true;
  }
  if (typeof payload.sub === 'string' && cutsOff(subjectCutoff(payload.sub), payload.iat, clockTolerance))
    return true;
  return (
    sessionCutoff !== undefined &&
    typeof payload.sid === 'string' &&
    cutsOff(sessionCutoff(payload.sid), payload.iat, clockTolerance)
  );
}

/** Whether a subject or session cut-off revokes a token issued at `iat`. */
function cutsOff(cutoff: number | undefined, iat: unknown, clockTolerance: number): boolean {
  if (cutoff === undefined) return false;
  if (typeof iat !== 'number') return true;
  // The verifier accepts an `iat` up to `clockTolerance` ahead of its clock (inclusive), so a
  // token it would have accepted at the cut-off may carry an `iat` up to that far after it.
  // Inclusive at every tolerance: an `iat` (whole seconds) equal to the cut-off may belong to
  // a token issued just before it.
  return iat <= cutoff + clockTolerance;
}

/**
 * Validates the `revocation` option: an object with an `isRevoked` method.
 * @throws TypeError starting `tokengate: ${label}`.
 */
export function validateRevocationStore(value: unknown, label: string): RevocationStore {
  if (typeof (value as RevocationStore | null)?.isRevoked !== 'function') {
    throw new TypeError(`tokengate: ${label} must be a RevocationStore`);
  }
  return value as RevocationStore;
}
