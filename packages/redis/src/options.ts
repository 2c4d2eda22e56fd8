import type { AuthError, Duration } from '@tokengate/core';
import { toSeconds } from '@tokengate/core/adapter';
import {
  type CheckedConnectionOptions,
  CONNECTION_OPTION_NAMES,
  checkConnectionOptions,
  type RedisConnectionOptions,
} from './connection.js';

/**
 * Options of `createRedisRevocationStore`: where Redis is (exactly one of `url`, `client`,
 * `cluster` or `sentinel`), and how the store behaves.
 */
export interface RedisRevocationStoreOptions extends RedisConnectionOptions {
  /**
   * Names every key and the channel, inside one Redis Cluster hash tag so they share a slot:
   * `{<prefix>}jti:<jti>`, `{<prefix>}sub:<sub>`, `{<prefix>}revocations`. Apps sharing one Redis
   * must share the prefix to share revocations. Must not contain `{` or `}`.
   * @default 'tokengate:'
   */
  prefix?: string;
  /**
   * **Weakens security.** When the pub/sub connection is down and the local copy may be
   * stale, answer from it anyway (a token revoked meanwhile on another instance is accepted)
   * instead of failing closed with a 503 `revocation_unavailable`. Each outage is reported once
   * through `onError`.
   * @default false
   */
  failOpen?: boolean;
  /**
   * Longest lifetime of a token the app accepts: seconds or a duration such as `'1h'` (match the
   * verifier's `maxTokenLifetime`). Subject cut-offs expire this long (plus 10 minutes of leeway) after the
   * cut-off, since every token issued before it has expired by then. Unset, cut-offs are kept
   * forever. Tokens without `iat` are revoked by a cut-off only while it is kept.
   * @default undefined (keep forever)
   */
  maxTokenLifetime?: Duration;
  /**
   * How long `ready()` waits for the first connection and resync, and the TCP connect timeout,
   * in milliseconds.
   * @default 5000
   */
  connectTimeout?: number;
  /**
   * Longest wait for one Redis command (`revoke`, `revokeSubject`, each resync step), in
   * milliseconds. Commands fail at once while disconnected.
   * @default 2000
   */
  commandTimeout?: number;
  /**
   * Milliseconds to wait before reconnect attempt `attempt` (0, 1, 2, …) and between resync
   * retries.
   * @default (attempt) => Math.min(50 * 2 ** attempt, 2000)
   */
  reconnectStrategy?: (attempt: number) => number;
  /**
   * `Retry-After` announced by the 503 while the store cannot be trusted, in seconds.
   * @default 5
   */
  retryAfter?: number;
  /**
   * How often expired entries are dropped from the local copy, in milliseconds.
   * @default 60000
   */
  sweepInterval?: number;
  /**
   * How often the pub/sub connection must answer a PING (within `commandTimeout`), in
   * milliseconds. A connection that does not (a frozen server, a silently dropped route) is
   * replaced, and the copy is untrusted until the new one has resynced.
   * @default 5000
   */
  heartbeatInterval?: number;
  /**
   * Called with `{ error }`, an `AuthError` (`revocation_unavailable`, Redis's error as
   * `cause`), when the copy stops being trusted, when a resync attempt fails, when Redis was
   * missing revocations this instance held (they are written back), when a message cannot be
   * read, and (with `failOpen`) when an outage's first answer comes from the stale copy. A throwing or rejecting hook is reported once on the console and ignored.
   */
  onError?: (event: RedisRevocationErrorEvent) => unknown;
  /** Clock in milliseconds, for tests. @default Date.now */
  now?: () => number;
}

/** What the `onError` hook of `createRedisRevocationStore` receives. */
export interface RedisRevocationErrorEvent {
  /** Always code `revocation_unavailable`; `cause` holds Redis's error when there is one. */
  readonly error: AuthError;
}

const OPTION_NAMES = new Set([
  ...CONNECTION_OPTION_NAMES,
  'prefix',
  'failOpen',
  'maxTokenLifetime',
  'connectTimeout',
  'commandTimeout',
  'reconnectStrategy',
  'retryAfter',
  'sweepInterval',
  'heartbeatInterval',
  'onError',
  'now',
]);

const defaultReconnectStrategy = (attempt: number): number => Math.min(50 * 2 ** attempt, 2000);

function positive(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new TypeError(`createRedisRevocationStore: ${name} must be a positive number`);
  }
  return value;
}

/** {@link RedisRevocationStoreOptions} checked, with defaults applied. */
export interface ResolvedOptions {
  readonly connection: CheckedConnectionOptions;
  readonly prefix: string;
  readonly failOpen: boolean;
  readonly maxTokenLifetime: number | undefined;
  readonly connectTimeout: number;
  readonly commandTimeout: number;
  readonly retryAfter: number;
  readonly sweepInterval: number;
  readonly heartbeatInterval: number;
  readonly reconnectStrategy: (attempt: number) => number;
  readonly onError: RedisRevocationStoreOptions['onError'];
  readonly now: () => number;
}

/** Validates the options once, at construction; a mistake throws a `TypeError` naming the option. */
export function resolveOptions(options: RedisRevocationStoreOptions): ResolvedOptions {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(
      'createRedisRevocationStore: options must be an object with `url`, `client`, `cluster` or `sentinel`',
    );
  }
  for (const name of Object.keys(options)) {
    if (!OPTION_NAMES.has(name))
      throw new TypeError(`createRedisRevocationStore: unknown option \`${name}\``);
  }
  const connection = checkConnectionOptions(options, 'createRedisRevocationStore');
  const prefix = options.prefix ?? 'tokengate:';
  if (typeof prefix !== 'string' || prefix === '' || /[{}]/.test(prefix)) {
    throw new TypeError('createRedisRevocationStore: prefix must be a non-empty string without `{` or `}`');
  }
  const failOpen = options.failOpen ?? false;
  if (typeof failOpen !== 'boolean')
    throw new TypeError('createRedisRevocationStore: failOpen must be a boolean');
  const maxTokenLifetime =
    options.maxTokenLifetime === undefined
      ? undefined
      : toSeconds(options.maxTokenLifetime, 'maxTokenLifetime');
  const connectTimeout = positive('connectTimeout', options.connectTimeout, 5000);
  const commandTimeout = positive('commandTimeout', options.commandTimeout, 2000);
  const retryAfter = positive('retryAfter', options.retryAfter, 5);
  const sweepInterval = positive('sweepInterval', options.sweepInterval, 60_000);
  const heartbeatInterval = positive('heartbeatInterval', options.heartbeatInterval, 5000);
  const reconnectStrategy = options.reconnectStrategy ?? defaultReconnectStrategy;
  for (const name of ['reconnectStrategy', 'onError', 'now'] as const) {
    if (options[name] !== undefined && typeof options[name] !== 'function') {
      throw new TypeError(`createRedisRevocationStore: ${name} must be a function`);
    }
  }
  const now = options.now ?? Date.now;
  const onError = options.onError;

  return {
    connection,
    prefix,
    failOpen,
    maxTokenLifetime,
    connectTimeout,
    commandTimeout,
    retryAfter,
    sweepInterval,
    heartbeatInterval,
    reconnectStrategy,
    onError,
    now,
  };
}
