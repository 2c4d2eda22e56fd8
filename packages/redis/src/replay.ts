import type { Duration, ReplayStore } from '@tokengate/core';
import type { RedisConnectionOptions } from './connection-options.js';
import { openScriptStore } from './script-store.js';

/**
 * Options of {@link createRedisReplayStore}: where Redis is (exactly one of `url`, `client`,
 * `cluster` or `sentinel`, as for the revocation store), and how the store behaves.
 */
export interface RedisReplayStoreOptions extends RedisConnectionOptions {
  /**
   * Prefix of every key: a proof is remembered as `<prefix>dpop:<thumbprint>:<jti>`. Instances
   * that must refuse each other's replays share it.
   * @default 'tokengate:'
   */
  prefix?: string;
  /**
   * **Weakens security.** When Redis cannot answer, accept the proof without a replay check
   * instead of failing closed with a 503 `replay_unavailable`. Failures are reported to `onError`.
   * @default false
   */
  failOpen?: boolean;
  /**
   * Longest wait for one Redis command (`'1s'`). This and `connectTimeout` counted milliseconds
   * until 0.1: a bare number other than `0` is a start-up `TypeError` naming the string to write.
   * @default '1s'
   */
  commandTimeout?: Duration;
  /** TCP connect timeout (`'5s'`). @default '5s' */
  connectTimeout?: Duration;
  /** Called with every Redis failure (connection errors, timeouts). */
  onError?: (error: unknown) => void;
}

/** A {@link ReplayStore} shared through Redis, as {@link createRedisReplayStore} returns it. */
export interface RedisReplayStore extends ReplayStore {
  /** Resolves once Redis is connected (rejects after `connectTimeout`). */
  ready(): Promise<void>;
  /** Closes the connections the store opened (a given client is left open). */
  close(): Promise<void>;
}

// SET NX PX is atomic: of two instances receiving the same proof at once, exactly one sees "OK".
const MARK = "return redis.call('SET', KEYS[1], '1', 'NX', 'PX', ARGV[1])";

/**
 * A DPoP replay store shared by every instance through Redis (RFC 9449 §11.1): a proof accepted
 * by one instance is refused as a replay by all the others. Each proof costs one atomic
 * `SET key 1 NX PX ttl`. When Redis is unreachable or slow, requests with DPoP proofs fail closed
 * (503 `replay_unavailable`, with `Retry-After`) unless `failOpen` is set.
 *
 * @example
 * ```ts
 * import { createRedisReplayStore } from '@tokengate/redis';
 * const replay = createRedisReplayStore({ url: process.env.REDIS_URL });
 * app.use(jwtAuth({ issuer, audience, dpop: { required: true, publicUrl: 'https://api.example.com', replay } }));
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-11.1
 */
export function createRedisReplayStore(options: RedisReplayStoreOptions): RedisReplayStore {
  const store = openScriptStore('createRedisReplayStore', options, ['failOpen'], 1000);
  if (options.failOpen !== undefined && typeof options.failOpen !== 'boolean') {
    throw new TypeError('createRedisReplayStore: failOpen must be a boolean');
  }
  const failOpen = options.failOpen === true;
  return {
    async markUsed(id, ttlSeconds) {
      const ttlMs = Math.max(1, Math.ceil(ttlSeconds * 1000));
      try {
        const reply = await store.run(MARK, `${store.prefix}dpop:${id}`, [String(ttlMs)], 'the replay check');
        return reply === 'OK';
      } catch (error) {
        if (failOpen) return true;
        throw new Error('the Redis replay store cannot be reached', { cause: error });
      }
    },
    ready: store.ready,
    close: store.close,
  };
}
