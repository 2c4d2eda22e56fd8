/**
 * Where DPoP proof identifiers (`jti`) are remembered while a proof could still be accepted, so
 * that a replayed proof is refused (RFC 9449 §11.1). tokengate ships a bounded in-memory store
 * ({@link createMemoryReplayStore}, the default) and `createRedisReplayStore` in
 * `@tokengate/redis`, shared by every instance.
 */
export interface ReplayStore {
  /**
   * Records `id` for `ttlSeconds` seconds, atomically: resolves `true` when `id` was not seen
   * within its lifetime (the proof is fresh), `false` when it was (a replay). Throwing or
   * rejecting means the store cannot answer: tokengate then refuses the request with 503
   * `replay_unavailable` (fail closed).
   */
  markUsed(id: string, ttlSeconds: number): boolean | Promise<boolean>;
  /** Releases resources (connections, timers). */
  close?(): void | Promise<void>;
}

/** Options of {@link createMemoryReplayStore}. */
export interface MemoryReplayStoreOptions {
  /**
   * Most proof identifiers held. When every one of them is still within its lifetime, new proofs
   * are refused with 503 `replay_unavailable` rather than forgetting one that could be replayed.
   * @default 100000
   */
  maxEntries?: number;
  /** Clock, for tests. @default Date.now */
  now?: () => number;
}

/**
 * A bounded in-process {@link ReplayStore}: right for one instance. Behind a load balancer a
 * proof replayed to another instance would not be seen: use `@tokengate/redis` there.
 *
 * @example
 * ```ts
 * app.use(jwtAuth({ issuer, dpop: { replay: createMemoryReplayStore({ maxEntries: 10_000 }) } }));
 * ```
 */
export function createMemoryReplayStore(options: MemoryReplayStoreOptions = {}): ReplayStore & {
  /** Number of proof identifiers held. */
  readonly size: number;
} {
  const maxEntries = options.maxEntries ?? 100_000;
  if (!Number.isInteger(maxEntries) || maxEntries < 1) {
    throw new TypeError('createMemoryReplayStore: maxEntries must be a positive integer');
  }
  const now = options.now ?? Date.now;
  // Insertion order is close to expiry order (one lifetime for every proof of a middleware), so
  // expired entries are swept from the front.
  const seen = new Map<string, number>();

  function sweep(at: number): void {
    for (const [id, until] of seen) {
      if (until > at) break;
      seen.delete(id);
    }
  }

  return {
    get size() {
      return seen.size;
    },
    markUsed(id, ttlSeconds) {
      const at = now();
      const until = seen.get(id);
      if (until !== undefined && until > at) return false;
      if (seen.size >= maxEntries) {
        sweep(at);
        if (seen.size >= maxEntries) {
          // A full scan catches entries with a shorter lifetime behind longer-lived ones.
          for (const [key, expiry] of seen) if (expiry <= at) seen.delete(key);
          if (seen.size >= maxEntries) throw new Error('the DPoP replay store is full');
        }
      }
      // An expired entry is moved to the end, to keep insertion order close to expiry order.
      if (until !== undefined) seen.delete(id);
      seen.set(id, at + ttlSeconds * 1000);
      return true;
    },
    close() {
      seen.clear();
    },
  };
}
