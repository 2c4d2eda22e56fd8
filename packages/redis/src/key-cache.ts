import type { Duration, KeyCache, KeyCacheEntry } from '@tokengate/core';
import { bounded } from './bounded.js';
import { openConnection } from './connection.js';
import { checkConnectionOptions, type RedisConnectionOptions } from './connection-options.js';
import { milliseconds } from './options.js';

/**
 * Options of {@link createRedisKeyCache}: where Redis is (exactly one of `url`, `client`,
 * `cluster` or `sentinel`, as for the revocation store), and the prefix of its keys.
 */
export interface RedisKeyCacheOptions extends RedisConnectionOptions {
  /**
   * Prefix of every key: a document is kept as `<prefix>keys:v1:jwks:<url>` (or
   * `…v1:discovery:<issuer>`). Instances share the documents they fetched when they share it.
   * @default 'tokengate:'
   */
  prefix?: string;
  /**
   * Longest wait for one Redis command, the wait for the connection at a cold start included
   * (`'500ms'`); the verifier gives each call at most 500 ms in any case, then fetches the keys
   * itself.
   * @default '500ms'
   */
  commandTimeout?: Duration;
  /** TCP connect timeout (`'5s'`). @default '5s' */
  connectTimeout?: Duration;
  /** Called with every Redis failure (connection errors, timeouts). */
  onError?: (error: unknown) => void;
}

/** A `KeyCache` in Redis, as {@link createRedisKeyCache} returns it. */
export interface RedisKeyCache extends KeyCache {
  /** Resolves once Redis is connected (rejects after `connectTimeout`). */
  ready(): Promise<void>;
  /** Closes the connection the cache opened (a given client is left open). */
  close(): Promise<void>;
}

const GET = "return redis.call('GET', KEYS[1])";
const SET = "return redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])";
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
 * A `keyCache` in Redis: the key sets and discovery documents one instance fetched are read by
 * every other (Lambda functions, containers, edge functions with a Redis connection), so a cold
 * instance verifies its first token without fetching keys. One `GET` when a key set is due (at a
 * cold start, after `cacheMaxAge`, for an unknown `kid` once per `cooldownDuration`), one
 * `SET … EX` after each fetch; never on the hot path. While Redis is down or slow, instances
 * fetch their keys themselves (the verifier reports a `key_cache_failed` key-source event).
 *
 * **Security:** whoever can write these keys chooses the keys your app trusts: use a Redis (or
 * an ACL on the prefix) that only your app writes to.
 *
 * @example
 * ```ts
 * import { createRedisKeyCache } from '@tokengate/redis';
 * const keyCache = createRedisKeyCache({ url: process.env.REDIS_URL });
 * app.use(jwtAuth({ issuer, audience, keyCache }));
 * ```
 * @throws TypeError for missing or conflicting connection options, an unknown option or a bad value.
 */
export function createRedisKeyCache(options: RedisKeyCacheOptions): RedisKeyCache {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(
      'createRedisKeyCache: options must be an object with `url`, `client`, `cluster` or `sentinel`',
    );
  }
  for (const name of Object.keys(options)) {
    if (!NAMES.has(name)) throw new TypeError(`createRedisKeyCache: unknown option \`${name}\``);
  }
  const checked = checkConnectionOptions(options, 'createRedisKeyCache');
  const prefix = options.prefix ?? 'tokengate:';
  if (typeof prefix !== 'string') throw new TypeError('createRedisKeyCache: prefix must be a string');
  if (options.onError !== undefined && typeof options.onError !== 'function') {
    throw new TypeError('createRedisKeyCache: onError must be a function');
  }
  const commandTimeout = milliseconds('commandTimeout', options.commandTimeout, 500);
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

  /** Resolves once the command connection is ready, polling (the caller bounds the wait). */
  async function connected(limitMs: number): Promise<void> {
    const until = Date.now() + limitMs;
    while (!connection.command.isReady) {
      if (Date.now() >= until) throw new Error(`Redis is not connected (waited ${limitMs} ms)`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  /** One script on one key; at a cold start, the wait for the connection counts in `commandTimeout`. */
  async function run(script: string, key: string, args: string[], what: string): Promise<unknown> {
    const call = async () => {
      if (!connection.command.isReady) await connected(commandTimeout);
      return connection.command.eval(script, { keys: [`${prefix}keys:${key}`], arguments: args });
    };
    try {
      return await bounded(call(), what, commandTimeout);
    } catch (error) {
      report(error);
      throw error;
    }
  }

  return {
    async get(key) {
      const reply = await run(GET, key, [], 'a key cache read');
      return typeof reply === 'string' ? (JSON.parse(reply) as KeyCacheEntry) : undefined;
    },
    async set(key, entry, ttlSeconds) {
      await run(
        SET,
        key,
        [JSON.stringify(entry), String(Math.max(1, Math.ceil(ttlSeconds)))],
        'a key cache write',
      );
    },
    ready: () => connected(connectTimeout),
    close: () => connection.close(2000),
  };
}
