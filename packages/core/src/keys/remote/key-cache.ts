/**
 * The `keyCache` contract: a store shared by short-lived instances (Workers isolates, Lambda
 * functions) where each remote cache (`remote-cache.ts`) leaves the documents it fetched — key
 * sets and discovery metadata — with the time it fetched them, so that a cold instance starts
 * from them instead of fetching. The rules (freshness, cooldown, unknown `kid`, stale while the
 * provider is down) stay in `remote-cache.ts`; this file holds the interface, its validation, a
 * memory implementation, and the bounded, never-throwing calls the remote cache makes.
 */

/**
 * A document a remote key source fetched, as kept in a {@link KeyCache}: the JSON value it
 * checked (a JWKS `{ keys }`, or discovery metadata with the URL it was read from) and when it
 * was fetched. Freshness is not stored: each instance judges `fetchedAt` by its own
 * `cacheMaxAge`, `cooldownDuration` and `staleIfError`, exactly as it judges its own fetches.
 */
export interface KeyCacheEntry {
  /** When the document was fetched, in milliseconds since the epoch (the fetching verifier's clock). */
  readonly fetchedAt: number;
  /** The document: plain JSON (store it with `JSON.stringify`, give it back parsed). */
  readonly document: unknown;
}

/**
 * A cache of fetched key sets and discovery documents shared by several instances of an app, so
 * that a cold instance (a new Workers isolate, a Lambda cold start) verifies its first token
 * without fetching keys. Give it as the `keyCache` option; `workersKeyCache(caches.default)` and
 * `createRedisKeyCache()` (`@tokengate/redis`) implement it.
 *
 * Keys are chosen by tokengate: `v1:jwks:<url>` and `v1:discovery:<issuer>`, for the URLs and
 * issuers the app configured (or that a configured issuer's discovery named) — never anything
 * a token names. Every document read back is checked again as if just fetched.
 *
 * Implementations may lose entries, answer slowly or fail: each call is given at most
 * {@link KEY_CACHE_TIMEOUT_MS}, and a failure or a late answer only means the keys are fetched
 * as they would be without a shared cache (reported as a `key_cache_failed` key-source event).
 *
 * **Security:** whoever can write to this cache chooses the keys your app trusts. Give it a
 * store only your app writes to (its own Redis prefix and credentials; the Cache API of your own
 * zone).
 */
export interface KeyCache {
  /** The entry stored under `key`, or undefined. */
  get(key: string): Promise<KeyCacheEntry | undefined> | KeyCacheEntry | undefined;
  /**
   * Stores `entry` under `key` (replacing what is there); it may be forgotten after `ttlSeconds`
   * (`cacheMaxAge` + `staleIfError` of the verifier that fetched it, at least 30 days — an old
   * copy is never served, but tells a cold instance the source worked before — at most a year).
   */
  set(key: string, entry: KeyCacheEntry, ttlSeconds: number): Promise<void> | void;
}

/**
 * How a remote cache's (`remote-cache.ts`) value is kept in the shared `keyCache`: under which key, as which
 * JSON document, and how a document read back becomes a value again (checked as if fetched).
 */
export interface SharedDocument<T> {
  /** The entry's key: `v1:<kind>:<configured URL or issuer>`. */
  readonly key: string;
  /** The JSON document to store for a value (as it was fetched); undefined stores nothing. */
  encode(value: T): unknown;
  /**
   * The value of a stored document, `previous` being the value held.
   * @throws KeySourceError when the document is not one this source would accept from its URL.
   */
  decode(document: unknown, previous: T | undefined, fetchedAt: number): T;
}

/** Longest wait for one {@link KeyCache} call, in milliseconds; after it the call is given up. */
export const KEY_CACHE_TIMEOUT_MS = 500;

/** Longest time an entry is kept for, in seconds (a year), when `cacheMaxAge` is `Infinity`. */
const MAX_TTL_SECONDS = 365 * 86_400;

/**
 * Shortest time an entry is kept for, in seconds (30 days). Past `cacheMaxAge + staleIfError` a
 * copy is never served, but it still tells a cold instance that the source has answered before,
 * so that while it fails the instance retries once per `cooldownDuration` (as the instance that
 * fetched it would) rather than every second as at a first start.
 */
const MIN_TTL_SECONDS = 30 * 86_400;

/** How far in the future an entry's `fetchedAt` may be (clock skew between instances), in ms. */
const MAX_CLOCK_SKEW_MS = 60_000;

/**
 * Checks the `keyCache` option at start-up.
 * @throws TypeError unless `value` has `get` and `set` functions.
 */
export function validateKeyCache(value: unknown, label = 'option "keyCache"'): KeyCache {
  const cache = value as Partial<KeyCache> | null;
  if (
    typeof cache !== 'object' ||
    cache === null ||
    typeof cache.get !== 'function' ||
    typeof cache.set !== 'function'
  ) {
    throw new TypeError(
      `tokengate: ${label} must be a key cache ({ get, set }: workersKeyCache(caches.default), createRedisKeyCache(), createMemoryKeyCache())`,
    );
  }
  return cache as KeyCache;
}

/** A {@link KeyCache} in this process's memory, with the number of entries it holds. */
export interface MemoryKeyCache extends KeyCache {
  /** Entries held (expired ones included until read). */
  readonly size: number;
}

/**
 * A {@link KeyCache} in memory: for tests, and for several verifiers in one process that do not
 * share options (verifiers with the same options already share their key sources).
 *
 * @example
 * ```ts
 * const keyCache = createMemoryKeyCache();
 * const first = createVerifier({ jwksUri, keyCache });
 * const second = createVerifier({ jwksUri, keyCache, fetch: otherFetch }); // starts from first's keys
 * ```
 */
export function createMemoryKeyCache(options: { now?: () => number } = {}): MemoryKeyCache {
  const now = options.now ?? Date.now;
  const entries = new Map<string, { json: string; expiresAt: number }>();
  return {
    get(key) {
      const held = entries.get(key);
      if (held === undefined) return undefined;
      if (held.expiresAt <= now()) {
        entries.delete(key);
        return undefined;
      }
      return JSON.parse(held.json) as KeyCacheEntry;
    },
    set(key, entry, ttlSeconds) {
      entries.set(key, { json: JSON.stringify(entry), expiresAt: now() + ttlSeconds * 1000 });
    },
    get size() {
      return entries.size;
    },
  };
}

/**
 * How long an entry fetched by a verifier with these timings is kept, in seconds:
 * `cacheMaxAge + staleIfError`, at least 30 days, at most a year.
 */
export function keyCacheTtl(cacheMaxAge: number, staleIfError: number): number {
  const ms = cacheMaxAge + staleIfError;
  if (!Number.isFinite(ms)) return MAX_TTL_SECONDS;
  return Math.min(MAX_TTL_SECONDS, Math.max(MIN_TTL_SECONDS, Math.ceil(ms / 1000)));
}

function within<T>(call: () => Promise<T> | T, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`the key cache did not answer ${what} within ${KEY_CACHE_TIMEOUT_MS} ms`)),
      KEY_CACHE_TIMEOUT_MS,
    );
  });
  const result = Promise.resolve().then(call);
  result.catch(() => {}); // a failure after the deadline is not an unhandled rejection
  return Promise.race([result, late]).finally(() => clearTimeout(timer));
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Reads `key`, within {@link KEY_CACHE_TIMEOUT_MS}. Never throws: a failure, a late answer or
 * an entry of the wrong shape is reported to `onError` and read as a miss. `fetchedAt` is
 * brought back to `now` when it lies ahead by less than a minute (clocks differ), and an entry
 * further ahead is refused: it would stay fresh for longer than it should.
 */
export async function readKeyCache(
  cache: KeyCache,
  key: string,
  now: number,
  onError: (message: string) => void,
): Promise<KeyCacheEntry | undefined> {
  let entry: unknown;
  try {
    entry = await within(() => cache.get(key), 'a read');
  } catch (error) {
    onError(`key cache read failed: ${describe(error)}`);
    return undefined;
  }
  if (entry === undefined || entry === null) return undefined;
  const fetchedAt = (entry as { fetchedAt?: unknown }).fetchedAt;
  if (
    typeof entry !== 'object' ||
    typeof fetchedAt !== 'number' ||
    !Number.isFinite(fetchedAt) ||
    fetchedAt > now + MAX_CLOCK_SKEW_MS ||
    !('document' in entry)
  ) {
    onError('key cache entry ignored: not a { fetchedAt, document } entry of this clock');
    return undefined;
  }
  return { fetchedAt: Math.min(fetchedAt, now), document: (entry as KeyCacheEntry).document };
}

/** Writes `entry` under `key`, within {@link KEY_CACHE_TIMEOUT_MS}; never throws (see {@link readKeyCache}). */
export async function writeKeyCache(
  cache: KeyCache,
  key: string,
  entry: KeyCacheEntry,
  ttlSeconds: number,
  onError: (message: string) => void,
): Promise<void> {
  try {
    await within(() => cache.set(key, entry, ttlSeconds), 'a write');
  } catch (error) {
    onError(`key cache write failed: ${describe(error)}`);
  }
}
