import type { AuthContext } from './context.js';

/** A moment given either as a `Date` or as a JWT NumericDate (seconds since the epoch). */
export type Instant = Date | number;

/**
 * Where revoked tokens are remembered. Passed as the `revocation` option of every adapter.
 * tokengate ships an in-memory store ({@link createMemoryRevocationStore}) and a Redis store
 * shared by every instance of an app (`@tokengate/redis`).
 *
 * `isRevoked` is on every request's path (including cache hits): implementations answer from
 * memory where they can. When a store cannot tell, it throws an `AuthError` with code
 * `revocation_unavailable` (503), never a generic error.
 */
export interface RevocationStore {
  /**
   * Revokes one token by its `jti` until `until` (normally the token's `exp`); after that the
   * token is expired anyway and the entry may be forgotten (after
   * {@link REVOCATION_LEEWAY_SECONDS}, which covers the verifier's `clockTolerance`).
   */
  revoke(jti: string, until: Instant): Promise<void>;
  /**
   * Revokes every token of subject `sub` issued before `issuedBefore` (default: now), e.g. on
   * "log out everywhere" or a password change. Tokens without `iat` are revoked too.
   */
  revokeSubject(sub: string, issuedBefore?: Instant): Promise<void>;
  /** Whether the verified token is revoked. */
  isRevoked(auth: AuthContext<any>): boolean | Promise<boolean>;
  /** Releases connections and timers. */
  close?(): Promise<void>;
}

/**
 * How long a revoked `jti` is remembered past its `until`, in seconds. The verifier accepts a
 * token up to `clockTolerance` after its `exp`, so a store that forgot the revocation exactly at
 * `exp` would let a revoked token through again for that long; stores keep entries for
 * `until + REVOCATION_LEEWAY_SECONDS` instead (covers any `clockTolerance` up to 5 minutes).
 */
export const REVOCATION_LEEWAY_SECONDS = 300;

/** Converts an {@link Instant} to seconds since the epoch; throws `TypeError` on an invalid one. */
export function toEpochSeconds(value: Instant): number {
  const seconds = value instanceof Date ? value.getTime() / 1000 : value;
  if (typeof seconds === 'number' && Number.isFinite(seconds)) return seconds;
  throw new TypeError('expected a valid Date or a NumericDate (seconds since the epoch)');
}

/**
 * The pure decision both stores share: is this token revoked, given the `jti` expiry table and
 * the per-subject cut-offs?
 */
export function isRevokedBy(
  auth: AuthContext<any>,
  revokedJti: (jti: string) => number | undefined,
  subjectCutoff: (sub: string) => number | undefined,
  nowSeconds: number,
): boolean {
  const claims = auth.claims as { jti?: unknown; sub?: unknown; iat?: unknown };
  if (typeof claims.jti === 'string') {
    const until = revokedJti(claims.jti);
    if (until !== undefined && until + REVOCATION_LEEWAY_SECONDS > nowSeconds) return true;
  }
  if (typeof claims.sub === 'string') {
    const cutoff = subjectCutoff(claims.sub);
    if (cutoff !== undefined) {
      if (typeof claims.iat !== 'number') return true;
      if (claims.iat < cutoff) return true;
    }
  }
  return false;
}

/** Options of {@link createMemoryRevocationStore}. */
export interface MemoryRevocationStoreOptions {
  /**
   * Most revoked `jti`s kept; past it the entries closest to expiry are dropped first.
   * @default 100000
   */
  maxEntries?: number;
  /** Clock, for tests. @default Date.now */
  now?: () => number;
}

/**
 * A bounded in-process {@link RevocationStore}: right for one instance, tests and demos. For
 * several instances, use `@tokengate/redis`.
 *
 * @example
 * ```ts
 * const revocation = createMemoryRevocationStore();
 * app.use(jwtAuth({ secret, revocation }));
 * app.post('/logout', async (req, res) => {
 *   await revocation.revoke(req.auth.claims.jti, req.auth.claims.exp);
 *   res.sendStatus(204);
 * });
 * ```
 */
export function createMemoryRevocationStore(options: MemoryRevocationStoreOptions = {}): RevocationStore & {
  /** Number of revoked `jti`s held. */
  readonly size: number;
} {
  const maxEntries = options.maxEntries ?? 100_000;
  if (!Number.isInteger(maxEntries) || maxEntries < 1) {
    throw new TypeError('createMemoryRevocationStore: maxEntries must be a positive integer');
  }
  const now = options.now ?? Date.now;
  const jtis = new Map<string, number>();
  const subjects = new Map<string, number>();

  function prune(nowSeconds: number): void {
    for (const [jti, until] of jtis) if (until + REVOCATION_LEEWAY_SECONDS <= nowSeconds) jtis.delete(jti);
    if (jtis.size < maxEntries) return;
    const sorted = [...jtis].sort((a, b) => a[1] - b[1]);
    for (let i = 0; i <= sorted.length - maxEntries; i++) jtis.delete(sorted[i]![0]);
  }

  return {
    get size() {
      return jtis.size;
    },
    async revoke(jti, until) {
      if (typeof jti !== 'string' || jti === '')
        throw new TypeError('revoke: jti must be a non-empty string');
      const untilSeconds = toEpochSeconds(until);
      const nowSeconds = now() / 1000;
      if (untilSeconds + REVOCATION_LEEWAY_SECONDS <= nowSeconds) return;
      if (!jtis.has(jti) && jtis.size >= maxEntries) prune(nowSeconds);
      jtis.set(jti, Math.max(untilSeconds, jtis.get(jti) ?? 0));
    },
    async revokeSubject(sub, issuedBefore = new Date(now())) {
      if (typeof sub !== 'string' || sub === '')
        throw new TypeError('revokeSubject: sub must be a non-empty string');
      const cutoff = toEpochSeconds(issuedBefore);
      subjects.set(sub, Math.max(cutoff, subjects.get(sub) ?? Number.NEGATIVE_INFINITY));
    },
    isRevoked(auth) {
      return isRevokedBy(
        auth,
        (jti) => jtis.get(jti),
        (sub) => subjects.get(sub),
        now() / 1000,
      );
    },
    async close() {
      jtis.clear();
      subjects.clear();
    },
  };
}
