import { nearestName } from '../../config/nearest.js';
import type { KeySourceEvent } from './events.js';

/**
 * The timing and transport options of remote key sources (a JWKS URL, an issuer's discovery
 * document): their defaults and their validation, done once at start-up.
 */

/**
 * Timing and transport of remote key sources (a JWKS URL, or an issuer's discovery metadata).
 * Durations are in milliseconds and named as jose's `createRemoteJWKSet` options.
 */
export interface RemoteJwksOptions {
  /**
   * Deadline of one fetch, body included, in milliseconds. A request waiting for keys is never
   * held longer than this.
   * @default 5000
   */
  timeoutDuration?: number;
  /**
   * Minimum time between two fetches, in milliseconds, when the first failed or the second is
   * triggered by an unknown `kid`. While no usable key set is held (the endpoint was down at
   * start-up), failed fetches are retried sooner: after 1 s, doubling up to this. Protects the identity provider (and this server) from storms
   * of tokens with random `kid`s. Must be positive: `0` throws a `TypeError`.
   * @default 30000
   */
  cooldownDuration?: number;
  /**
   * How long a fetched key set is fresh, in milliseconds; after that, the next request refetches
   * it. `Infinity` keeps it until an unknown `kid` forces a refetch.
   * @default 600000 (10 minutes)
   */
  cacheMaxAge?: number;
  /**
   * How long past `cacheMaxAge` the last good key set keeps being used while refetches fail, in
   * milliseconds. `0` fails closed as soon as a refresh fails (jose's behaviour). Must be finite.
   *
   * **Security:** a key withdrawn by the identity provider during an outage keeps verifying for
   * up to this long. The default (24 h) outlasts typical JWKS/CDN outages and overnight incidents
   * and stays well inside the overlap identity providers keep between publishing and retiring a
   * key (days to weeks), so it does not extend a key's life in normal rotation; lower it when a
   * compromised key must stop working sooner.
   * @default 86400000 (24 hours)
   */
  staleIfError?: number;
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
  'now',
]);

function duration(
  options: RemoteJwksOptions,
  name: 'timeoutDuration' | 'cooldownDuration' | 'cacheMaxAge' | 'staleIfError',
  fallback: number,
  rule: { min0?: boolean; infinite?: boolean },
): number {
  const value = options[name];
  if (value === undefined) return fallback;
  const ok =
    typeof value === 'number' &&
    !Number.isNaN(value) &&
    (rule.min0 ? value >= 0 : value > 0) &&
    (rule.infinite || Number.isFinite(value));
  if (!ok) {
    const bound = rule.min0 ? 'a non-negative' : 'a positive';
    throw new TypeError(
      `tokengate: option "${name}" must be ${bound}${rule.infinite ? '' : ' finite'} number of milliseconds (got ${String(value)})`,
    );
  }
  return value;
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
    timeoutDuration: duration(options, 'timeoutDuration', 5_000, {}),
    cooldownDuration: duration(options, 'cooldownDuration', 30_000, {}),
    cacheMaxAge: duration(options, 'cacheMaxAge', 600_000, { infinite: true }),
    staleIfError: duration(options, 'staleIfError', 86_400_000, { min0: true }),
    fetch: options.fetch,
    headers: headers && { ...headers },
    now: options.now ?? Date.now,
  };
}
