/**
 * The shape of a cache of introspection answers shared by several instances of an app (the Redis
 * one is `createRedisIntrospectionCache` in `@tokengate/redis`). It only saves round trips to the
 * authorization server: every entry it gives back is checked again exactly as a fresh answer is.
 */

/**
 * A shared cache of introspection answers. Keys are the base64url SHA-256 of a token (never the
 * token itself); values are opaque text written by tokengate. A store that fails (throws or
 * rejects) is treated as a miss: the authorization server is asked instead.
 */
export interface IntrospectionCacheStore {
  /** The value stored under `key`, or `undefined`. */
  get(key: string): Promise<string | undefined>;
  /** Stores `value` under `key` for `ttl` seconds (a positive integer). */
  set(key: string, value: string, ttl: number): Promise<void>;
  /** Releases connections. */
  close?(): Promise<void>;
}

/** Validates the `introspection.store` option. */
export function validateIntrospectionStore(value: unknown, label: string): IntrospectionCacheStore {
  const store = value as IntrospectionCacheStore | null;
  if (typeof store?.get !== 'function' || typeof store.set !== 'function') {
    throw new TypeError(`tokengate: ${label} must be an IntrospectionCacheStore ({ get, set })`);
  }
  return store;
}
