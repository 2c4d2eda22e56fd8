import type { Duration, IntrospectionCacheStore } from '@tokengate/core';
import { bounded } from './bounded.js';
import { openConnection } from './connection.js';
import { checkConnectionOptions, type RedisConnectionOptions } from './connection-options.js';
import { milliseconds } from './options.js';

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
const NAMES = new Set([
  'url',
  'client',
  'cluster',
  'sentinel',
  'prefix',
  'commandTimeout',
  'connectTimeout',
  'onError',
]);

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
  const name = 'createRedisIntrospectionCache';
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(
      `${name}: options must be an object with \`url\`, \`client\`, \`cluster\` or \`sentinel\``,
    );
  }
  for (const key of Object.keys(options)) {
    if (!NAMES.has(key)) throw new TypeError(`${name}: unknown option \`${key}\``);
  }
  const checked = checkConnectionOptions(options, name);
  const prefix = options.prefix ?? 'tokengate:';
  if (typeof prefix !== 'string') throw new TypeError(`${name}: prefix must be a string`);
  if (options.onError !== undefined && typeof options.onError !== 'function') {
    throw new TypeError(`${name}: onError must be a function`);
  }
  const commandTimeout = milliseconds('commandTimeout', options.commandTimeout, 250);
  const connectTimeout = milliseconds('connectTimeout', options.connectTimeout, 5000);
  const report = (error: unknown) => {
    try {
      options.onError?.(error);
    } catch {
      // a throwing hook must not change the answer
    }
  };
  const connection = openConnection(
    checked,
    { connectTimeout, reconnectStrategy: (attempt) => Math.min(50 * 2 ** attempt, 2000) },
    report,
  );
  const key = (hash: string) => `${prefix}introspection:${hash}`;
  const command = async <T>(run: () => Promise<T>, what: string): Promise<T> => {
    if (!connection.command.isReady) throw new Error('Redis is not connected');
    try {
      return await bounded(run(), what, commandTimeout);
    } catch (error) {
      report(error);
      throw error;
    }
  };

  return {
    async get(hash) {
      const value = await command(
        () => connection.command.eval(READ, { keys: [key(hash)], arguments: [] }),
        'the introspection cache read',
      );
      return typeof value === 'string' ? value : undefined;
    },
    async set(hash, value, ttl) {
      await command(
        () =>
          connection.command.eval(WRITE, {
            keys: [key(hash)],
            arguments: [value, String(Math.max(1, Math.ceil(ttl)))],
          }),
        'the introspection cache write',
      );
    },
    ready: async () => {
      const until = Date.now() + connectTimeout;
      while (!connection.command.isReady) {
        if (Date.now() >= until) throw new Error(`Redis is not connected (waited ${connectTimeout} ms)`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
    close: () => connection.close(2000),
  };
}
