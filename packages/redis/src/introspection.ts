import type { Duration, IntrospectionCacheStore } from '@tokengate/core';
import type { RedisConnectionOptions } from './connection-options.js';
import { openScriptStore } from './script-store.js';

/**
 * Options of {@link createRedisIntrospectionCache}: where Redis is (exactly one of `url`,
 * `client`, `cluster` or `sentinel`, as for the other stores) and the command timing.
 */
export interface RedisIntrospectionCacheOptions extends RedisConnectionOptions {
  /**
   * Prefix of every key: an answer is kept as `<prefix>introspection:<SHA-256 of the token>`.
   * @default 'tokengate:'
   */
  prefix?: string;
  /** Longest wait for one Redis command (`'250ms'`); past it the server is asked instead. @default '250ms' */
  commandTimeout?: Duration;
  /** TCP connect timeout (`'5s'`). @default '5s' */
  connectTimeout?: Duration;
  /** Called with every Redis failure (each one only costs a round trip to the server). */
  onError?: (error: unknown) => void;
}

/** An {@link IntrospectionCacheStore} on Redis, as {@link createRedisIntrospectionCache} returns it. */
export interface RedisIntrospectionCache extends IntrospectionCacheStore {
  /** Resolves once Redis is connected (rejects after `connectTimeout`). */
  ready(): Promise<void>;
  /** Closes the connections the store opened (a given client is left open). */
  close(): Promise<void>;
}

// Scripts, as the other stores use: one code path for standalone, Cluster and Sentinel clients.
const READ = "return redis.call('GET', KEYS[1])";
const WRITE = "return redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])";

/**
 * Introspection answers (RFC 7662) shared by every instance through Redis, for the
 * `introspection.store` option: an opaque token introspected by one instance is answered from
 * Redis by the others until the answer's cache lifetime ends (never past the token's `exp`).
 * Keys are the SHA-256 of tokens, never tokens; values are the answers. Redis being down or slow
 * never refuses a request: each failed command is a miss, and the authorization server is asked.
 *
 * @example
 * ```ts
 * import { createRedisIntrospectionCache } from '@tokengate/redis';
 * const store = createRedisIntrospectionCache({ url: process.env.REDIS_URL });
 * app.use(jwtAuth({ issuer, resource, introspection: { clientId, clientSecret, store } }));
 * ```
 */
export function createRedisIntrospectionCache(
  options: RedisIntrospectionCacheOptions,
): RedisIntrospectionCache {
  // No wait for a connection still being made: a miss costs a round trip to the server, a wait
  // would cost every request the command timeout while Redis is down.
  const store = openScriptStore('createRedisIntrospectionCache', options, [], 250, false);
  const key = (hash: string) => `${store.prefix}introspection:${hash}`;
  return {
    async get(hash) {
      const value = await store.run(READ, key(hash), [], 'the introspection cache read');
      return typeof value === 'string' ? value : undefined;
    },
    async set(hash, value, ttl) {
      await store.run(
        WRITE,
        key(hash),
        [value, String(Math.max(1, Math.ceil(ttl)))],
        'the introspection cache write',
      );
    },
    ready: store.ready,
    close: store.close,
  };
}
