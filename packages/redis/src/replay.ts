import type { Duration, ReplayStore } from '@tokengate/core';
import { bounded } from './bounded.js';
import { openConnection } from './connection.js';
import { checkConnectionOptions, type RedisConnectionOptions } from './connection-options.js';
import { milliseconds } from './options.js';

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
const NAMES = new Set([
  'url',
  'client',
  'cluster',
  'sentinel',
  'prefix',
  'failOpen',
  'commandTimeout',
  'connectTimeout',
  'onError',
]);

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
 * app.use(jwtAuth({ issuer, audience, dpop: { required: true, replay } }));
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-11.1
 */
export function createRedisReplayStore(options: RedisReplayStoreOptions): RedisReplayStore {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(
      'createRedisReplayStore: options must be an object with `url`, `client`, `cluster` or `sentinel`',
    );
  }
  for (const name of Object.keys(options)) {
    if (!NAMES.has(name)) throw new TypeError(`createRedisReplayStore: unknown option \`${name}\``);
  }
  const checked = checkConnectionOptions(options, 'createRedisReplayStore');
  const prefix = options.prefix ?? 'tokengate:';
  if (typeof prefix !== 'string') throw new TypeError('createRedisReplayStore: prefix must be a string');
  if (options.failOpen !== undefined && typeof options.failOpen !== 'boolean') {
    throw new TypeError('createRedisReplayStore: failOpen must be a boolean');
  }
  if (options.onError !== undefined && typeof options.onError !== 'function') {
    throw new TypeError('createRedisReplayStore: onError must be a function');
  }
  const failOpen = options.failOpen === true;
  const commandTimeout = milliseconds('commandTimeout', options.commandTimeout, 1000);
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

  /** Waits (polling, bounded) for the command connection while it is still connecting. */
  async function connected(limitMs: number): Promise<void> {
    const until = Date.now() + limitMs;
    while (!connection.command.isReady) {
      if (Date.now() >= until) throw new Error(`Redis is not connected (waited ${limitMs} ms)`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  async function mark(key: string, ttlMs: number): Promise<boolean> {
    if (!connection.command.isReady) await connected(commandTimeout);
    const reply = await bounded(
      connection.command.eval(MARK, { keys: [key], arguments: [String(ttlMs)] }),
      'the replay check',
      commandTimeout,
    );
    return reply === 'OK';
  }

  return {
    async markUsed(id, ttlSeconds) {
      const ttlMs = Math.max(1, Math.ceil(ttlSeconds * 1000));
      try {
        return await mark(`${prefix}dpop:${id}`, ttlMs);
      } catch (error) {
        report(error);
        if (failOpen) return true;
        throw new Error('the Redis replay store cannot be reached', { cause: error });
      }
    },
    ready: () => connected(connectTimeout),
    close: () => connection.close(2000),
  };
}
