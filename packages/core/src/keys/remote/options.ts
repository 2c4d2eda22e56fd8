import { type Duration, REMOTE_TIMINGS, toMilliseconds } from '../../config/duration.js';
import { nearestName } from '../../config/nearest.js';
import type { KeySourceEvent } from './events.js';
import { type KeyCache, validateKeyCache } from './key-cache.js';

/**
 * The timing and transport options of remote key sources (a JWKS URL, an issuer's discovery
 * document): their defaults and their validation, done once at start-up.
 */

/**
 * Timing and transport of remote key sources (a JWKS URL, or an issuer's discovery metadata).
 * Named as jose's `createRemoteJWKSet` options; durations are strings with a unit (`'30s'`),
 * since a bare number other than `0` is refused as ambiguous (it meant milliseconds until
 * tokengate 0.1).
 */
export interface RemoteJwksOptions {
  /**
   * Deadline of one fetch, body included (`'5s'`). A request waiting for keys is never held
   * longer than this.
   * @default '5s'
   */
  timeoutDuration?: Duration;
  /**
   * Minimum time between two fetches (`'30s'`), when the first failed or the second is
   * triggered by an unknown `kid`. While no usable key set is held (the endpoint was down at
   * start-up), failed fetches are retried sooner: after 1 s, doubling up to this. Protects the identity provider (and this server) from storms
   * of tokens with random `kid`s. Must be positive: `0` throws a `TypeError`.
   * @default '30s'
   */
  cooldownDuration?: Duration;
  /**
   * How long a fetched key set is fresh (`'10m'`); after that, the next request refetches it.
   * `Infinity` keeps it until an unknown `kid` forces a refetch.
   * @default '10m'
   */
  cacheMaxAge?: Duration;
  /**
   * How long past `cacheMaxAge` the last good key set keeps being used while refetches fail
   * (`'24h'`). `0` fails closed as soon as a refresh fails (jose's behaviour). Must be finite.
   *
   * **Security:** a key withdrawn by the identity provider during an outage keeps verifying for
   * up to this long. The default (24 h) outlasts typical JWKS/CDN outages and overnight incidents
   * and stays well inside the overlap identity providers keep between publishing and retiring a
   * key (days to weeks), so it does not extend a key's life in normal rotation; lower it when a
   * compromised key must stop working sooner.
   * @default '24h'
   */
  staleIfError?: Duration;
  /**
   * The `fetch` to use (a proxy-aware one, for example).
   * @default globalThis.fetch
   */
  fetch?: typeof fetch;
  /** Extra request headers (for example an API key of a private gateway). */
  headers?: Record<string, string>;
  /**
   * Called on every fetch outcome and when stale keys start being served. Never receives key
   * material. A throwing listener is ignored.
   */
  onEvent?: (event: KeySourceEvent) => void;
  /**
   * A cache shared by several instances (Workers isolates, Lambda functions) where fetched key
   * sets and discovery documents are kept with their fetch time, so a cold instance starts from
   * them instead of fetching; the same freshness, cooldown and stale-while-down rules apply to
   * them. See {@link KeyCache}.
   */
  keyCache?: KeyCache;
  /**
   * Clock in milliseconds since the epoch, for tests.
   * @default Date.now
   */
  now?: () => number;
}

/** Options after defaults and validation. */
export interface ResolvedRemoteOptions {
  readonly timeoutDuration: number;
  readonly cooldownDuration: number;
  readonly cacheMaxAge: number;
  readonly staleIfError: number;
  readonly fetch: typeof fetch | undefined;
  readonly headers: Readonly<Record<string, string>> | undefined;
  readonly keyCache: KeyCache | undefined;
  readonly now: () => number;
}

const OPTION_NAMES = new Set([
  'timeoutDuration',
  'cooldownDuration',
  'cacheMaxAge',
  'staleIfError',
  'fetch',
  'headers',
  'onEvent',
  'keyCache',
  'now',
]);

function duration(options: RemoteJwksOptions, name: keyof typeof REMOTE_TIMINGS): number {
  const value = options[name];
  return value === undefined
    ? REMOTE_TIMINGS[name].default
    : toMilliseconds(value, name, REMOTE_TIMINGS[name]);
}

/**
 * Applies defaults to remote-key options and validates them.
 * @throws TypeError naming the option for an unknown name or a bad value.
 */
export function resolveRemoteOptions(options: RemoteJwksOptions = {}): ResolvedRemoteOptions {
  if (typeof options !== 'object' || options === null)
    throw new TypeError('tokengate: remote key options must be an object');
  for (const name of Object.keys(options)) {
    if (!OPTION_NAMES.has(name) && (options as Record<string, unknown>)[name] !== undefined) {
      const hint = nearestName(name, OPTION_NAMES);
      throw new TypeError(
        `tokengate: unknown remote key option "${name}"${hint ? ` (did you mean "${hint}"?)` : ''}`,
      );
    }
  }
  for (const name of ['fetch', 'onEvent', 'now'] as const) {
    if (options[name] !== undefined && typeof options[name] !== 'function') {
      throw new TypeError(`tokengate: option "${name}" must be a function`);
    }
  }
  const headers = options.headers;
  if (headers !== undefined) {
    if (
      typeof headers !== 'object' ||
      headers === null ||
      Object.values(headers).some((v) => typeof v !== 'string')
    ) {
      throw new TypeError('tokengate: option "headers" must be an object of strings');
    }
  }
  return {
    timeoutDuration: duration(options, 'timeoutDuration'),
    cooldownDuration: duration(options, 'cooldownDuration'),
    cacheMaxAge: duration(options, 'cacheMaxAge'),
    staleIfError: duration(options, 'staleIfError'),
    fetch: options.fetch,
    headers: headers && { ...headers },
    keyCache: options.keyCache === undefined ? undefined : validateKeyCache(options.keyCache),
    now: options.now ?? Date.now,
  };
}
