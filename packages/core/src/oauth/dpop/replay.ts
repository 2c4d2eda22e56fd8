/**
 * Where DPoP proof identifiers (`jti`) are remembered while a proof could still be accepted, so
 * that a replayed proof is refused (RFC 9449 §11.1). tokengate ships a bounded in-memory store
 * ({@link createMemoryReplayStore}, the default) and `createRedisReplayStore` in
 * `@tokengate/redis`, shared by every instance.
 */
export interface ReplayStore {
  /**
   * Records `id` for `ttlSeconds` seconds, atomically: resolves `true` when `id` was not seen
   * within its lifetime (the proof is fresh), `false` when it was (a replay) or when the store
   * cannot rule that out (see {@link ReplayProof}). Throwing or rejecting means the store cannot
   * answer: tokengate then refuses the request with 503 `replay_unavailable` (fail closed).
   */
  markUsed(id: string, ttlSeconds: number, proof?: ReplayProof): boolean | Promise<boolean>;
  /** Releases resources (connections, timers). */
  close?(): void | Promise<void>;
}

/**
 * What tokengate tells a {@link ReplayStore} about the proof it records: the proof key's
 * thumbprint and the proof's `iat`. A bounded store that must forget a proof still in its window
 * can then refuse that key's proofs up to the forgotten `iat` (they could be replays) and nobody
 * else's: the cost of a flood stays with the key that sent it.
 */
export interface ReplayProof {
  /** RFC 7638 thumbprint of the proof's key (the token's `cnf.jkt`). */
  readonly key: string;
  /** The proof's `iat`, in seconds. */
  readonly iat: number;
}

/** Options of {@link createMemoryReplayStore}. */
export interface MemoryReplayStoreOptions {
  /**
   * Most proof identifiers held. When every one of them is still within its lifetime, the store
   * forgets the oldest proof of the key holding the most, and from then on refuses that key's
   * proofs whose `iat` is not later than the forgotten one's (answered as replays). A flood from
   * one key shortens that key's window only; other clients are not affected.
   * @default 100000
   */
  maxEntries?: number;
  /** Clock, for tests. @default Date.now */
  now?: () => number;
}

interface Entry {
  readonly key: KeyState;
  readonly iat: number;
  readonly until: number;
}

/** One proof key: its live identifiers (insertion order) and how far its window was cut. */
interface KeyState {
  readonly name: string;
  readonly ids: Set<string>;
  /** Proofs of this key with `iat` up to this were forgotten while live: they count as replays. */
  floor: number;
  /** Until when (ms) {@link KeyState.floor} matters: the forgotten proofs' end of life. */
  floorUntil: number;
}

/**
 * A bounded in-process {@link ReplayStore}: right for one instance. Behind a load balancer a
 * proof replayed to another instance would not be seen: use `@tokengate/redis` there.
 *
 * When full, it never refuses everyone (a single token minting unique proofs used to lock every
 * client out with 503s): it forgets the oldest proof of the key that holds the most, and raises
 * that key's floor so that none of its forgotten proofs can be replayed. Fair by construction:
 * only the key with the largest share pays.
 *
 * @example
 * ```ts
 * app.use(jwtAuth({ issuer, dpop: { publicUrl: 'https://api.example.com', replay: createMemoryReplayStore({ maxEntries: 10_000 }) } }));
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
  const seen = new Map<string, Entry>();
  const keys = new Map<string, KeyState>();
  // Keys by number of live entries, to find the largest in O(1).
  const byCount = new Map<number, Set<KeyState>>();
  let maxCount = 0;

  function move(state: KeyState, from: number, to: number): void {
    if (from > 0) {
      const bucket = byCount.get(from)!;
      bucket.delete(state);
      if (bucket.size === 0) byCount.delete(from);
    }
    if (to > 0) {
      const bucket = byCount.get(to);
      if (bucket) bucket.add(state);
      else byCount.set(to, new Set([state]));
    }
    if (to > maxCount) maxCount = to;
    while (maxCount > 0 && !byCount.has(maxCount)) maxCount--;
  }

  function remove(id: string, entry: Entry, at: number): void {
    seen.delete(id);
    const state = entry.key;
    state.ids.delete(id);
    move(state, state.ids.size + 1, state.ids.size);
    if (state.ids.size === 0 && state.floorUntil <= at) keys.delete(state.name);
  }

  function sweep(at: number): void {
    for (const [id, entry] of seen) {
      if (entry.until > at) break;
      remove(id, entry, at);
    }
    if (seen.size < maxEntries) return;
    // A full scan catches entries with a shorter lifetime behind longer-lived ones.
    for (const [id, entry] of seen) if (entry.until <= at) remove(id, entry, at);
    for (const [name, state] of keys) if (state.ids.size === 0 && state.floorUntil <= at) keys.delete(name);
  }

  /** Forgets the oldest proof of `own` when it holds the most, else of a key that does. */
  function evict(own: KeyState, at: number): void {
    const state = own.ids.size === maxCount ? own : byCount.get(maxCount)!.values().next().value!;
    const id = state.ids.values().next().value!;
    const entry = seen.get(id)!;
    state.floor = Math.max(state.floor, entry.iat);
    state.floorUntil = Math.max(state.floorUntil, entry.until);
    remove(id, entry, at);
  }

  return {
    get size() {
      return seen.size;
    },
    markUsed(id, ttlSeconds, proof) {
      const at = now();
      const name = proof?.key ?? '';
      // Without the proof's iat, a forgotten identifier of the same key cannot be ruled out.
      const iat = proof?.iat ?? Number.POSITIVE_INFINITY;
      let state = keys.get(name);
      if (state && state.floorUntil > at && iat <= state.floor) return false;
      const known = seen.get(id);
      if (known !== undefined) {
        if (known.until > at) return false;
        // An expired entry is moved to the end, to keep insertion order close to expiry order.
        remove(id, known, at);
        state = keys.get(name);
      }
      if (state === undefined) {
        state = { name, ids: new Set(), floor: Number.NEGATIVE_INFINITY, floorUntil: 0 };
        keys.set(name, state);
      }
      if (seen.size >= maxEntries) {
        sweep(at);
        if (seen.size >= maxEntries) evict(state, at);
        keys.set(name, state); // the sweep may have dropped the (still empty) state
      }
      seen.set(id, { key: state, iat, until: at + ttlSeconds * 1000 });
      state.ids.add(id);
      move(state, state.ids.size - 1, state.ids.size);
      return true;
    },
    close() {
      seen.clear();
      keys.clear();
      byCount.clear();
      maxCount = 0;
    },
  };
}
