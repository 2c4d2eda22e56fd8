import type { AuthError, Duration } from '@tokengate/core';
import { toMilliseconds, toSeconds } from '@tokengate/core/adapter';
import {
  type CheckedConnectionOptions,
  CONNECTION_OPTION_NAMES,
  checkConnectionOptions,
  type RedisConnectionOptions,
} from './connection-options.js';

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
   * cut-off, since every token issued before it has expired by then. Unset, subject cut-offs are
   * kept forever and revoked sessions (`revokeSession`) 24 hours. Tokens without `iat` are revoked
   * by a cut-off only while it is kept.
   * @default undefined (subjects: keep forever; sessions: 24 hours)
   */
  maxTokenLifetime?: Duration;
  /**
   * How long `ready()` waits for the first connection and resync, and the TCP connect timeout
   * (`'5s'`). This and the other timings below counted milliseconds until 0.1: a bare number
   * other than `0` is a start-up `TypeError` naming the string to write (`5000` → `'5s'`).
   * @default '5s'
   */
  connectTimeout?: Duration;
  /**
   * Longest wait for one Redis command (`revoke`, `revokeSubject`, each resync step), as a
   * duration (`'2s'`). Commands fail at once while disconnected.
   * @default '2s'
   */
  commandTimeout?: Duration;
  /**
   * Milliseconds to wait before reconnect attempt `attempt` (0, 1, 2, …) and between resync
   * retries.
   * @default (attempt) => Math.min(50 * 2 ** attempt, 2000)
   */
  reconnectStrategy?: (attempt: number) => number;
  /**
   * `Retry-After` announced by the 503 while the store cannot be trusted: a number of seconds or a
   * duration string (`'5s'`), rounded up to whole seconds.
   * @default 5
   */
  retryAfter?: Duration;
  /**
   * How often expired entries are dropped from the local copy (`'1m'`).
   * @default '1m'
   */
  sweepInterval?: Duration;
  /**
   * How often the pub/sub connection must answer a PING (within `commandTimeout`), as a duration
   * (`'5s'`). A connection that does not (a frozen server, a silently dropped route) is
   * replaced, and the copy is untrusted until the new one has resynced.
   * @default '5s'
   */
  heartbeatInterval?: Duration;
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

/** A timing option in milliseconds (a duration string; see `toMilliseconds`), or its default. */
export function milliseconds(name: string, value: unknown, fallback: number): number {
  return value === undefined ? fallback : toMilliseconds(value, name);
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
  const connectTimeout = milliseconds('connectTimeout', options.connectTimeout, 5000);
  const commandTimeout = milliseconds('commandTimeout', options.commandTimeout, 2000);
  const retryAfter =
    options.retryAfter === undefined ? 5 : Math.ceil(toSeconds(options.retryAfter, 'retryAfter'));
  if (retryAfter <= 0) throw new TypeError('createRedisRevocationStore: retryAfter must be positive');
  const sweepInterval = milliseconds('sweepInterval', options.sweepInterval, 60_000);
  const heartbeatInterval = milliseconds('heartbeatInterval', options.heartbeatInterval, 5000);
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
