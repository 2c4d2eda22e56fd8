import type { KeySourceError } from './key-source-error.js';

/**
 * Key-source events: what a remote key source reports (fetches, failures, stale keys,
 * recoveries), and where those reports go when the app does not take them (a console log that
 * writes each state change once).
 */

/**
 * A key-source event:
 * - `fetched`: a fetch succeeded (`version` is the set's version afterwards);
 * - `fetch_failed`: a fetch failed (`error` names the URL and the defect, `kind` classifies it);
 * - `stale_keys`: keys older than `cacheMaxAge` are being served because refetching fails
 *   (`ageMs` is their age); sent once per failed fetch, not per request;
 * - `recovered`: a fetch succeeded after one or more failures (or, with a `keyCache`, another
 *   instance's fresh copy was found there);
 * - `key_cache_failed`: the shared `keyCache` failed, answered late or held an entry that is
 *   not a valid document (`error` says which); the keys were fetched instead.
 */
export interface KeySourceEvent {
  type: 'fetched' | 'fetch_failed' | 'stale_keys' | 'recovered' | 'key_cache_failed';
  /** The URL fetched (JWKS or discovery document). */
  url: string;
  /** For `fetch_failed`, `stale_keys` and `key_cache_failed`: what failed, never key material. */
  error?: string;
  /** For `fetch_failed`: the classification of {@link KeySourceError.kind}. */
  kind?: KeySourceError['kind'];
  /** For `stale_keys`: age of the served keys in milliseconds. */
  ageMs?: number;
  /** For `fetched` / `recovered` of a JWKS: the key set's version. */
  version?: number;
}

/**
 * The `onKeySourceEvent` option: a listener of remote key-source events, or `false` to turn off
 * the console log that tokengate writes when no listener is given.
 */
export type KeySourceEventOption = ((event: KeySourceEvent) => void) | false;

/** Where the default log writes (the console; replaceable in tests). */
export interface KeySourceLogSink {
  /** For failures. */
  error(message: string): void;
  /** For stale keys and recoveries. */
  warn(message: string): void;
}

/**
 * Removes the query and fragment of every URL in `text`: a key URL may carry an API key in its
 * query string, and the log must not. (User names and passwords are refused at start-up.)
 */
export function withoutQueries(text: string): string {
  return text.replace(/(https?:\/\/[^\s"'?#]*)[?#][^\s"']*/g, '$1');
}

const HINT =
  'pass onKeySourceEvent to handle key-source events yourself, or onKeySourceEvent: false to silence this log';

/**
 * The default key-source log: each state change of each URL is written once — the first failure
 * (and a failure of a different kind), stale keys being served, and the recovery — not every
 * retry. Messages name the URL (without query) and the defect, never key material.
 *
 * @example
 * ```ts
 * const log = createKeySourceLog();
 * createRemoteJwks(url, { onEvent: log });
 * ```
 */
export function createKeySourceLog(sink: KeySourceLogSink = console): KeySourceLogger {
  const failing = new Map<string, string>();
  const stale = new Set<string>();
  const logged = new Set<string>();
  const cacheFailing = new Set<string>();
  const listener = (event: KeySourceEvent): void => {
    const url = withoutQueries(event.url);
    if (event.type === 'fetch_failed') {
      const kind = event.kind ?? 'error';
      if (failing.get(url) === kind) return;
      failing.set(url, kind);
      const message = withoutQueries(event.error ?? `fetching ${url} failed`);
      logged.add(message);
      sink.error(
        `tokengate: key source failing: ${message}. Requests that need these keys get 503 until it recovers (logged once; ${HINT})`,
      );
    } else if (event.type === 'stale_keys') {
      if (stale.has(url)) return;
      stale.add(url);
      const age = event.ageMs === undefined ? '' : `, ${Math.round(event.ageMs / 1000)} s old`;
      sink.warn(
        `tokengate: serving the last good keys from ${url}${age}, because refetching them fails (until staleIfError runs out)`,
      );
    } else if (event.type === 'key_cache_failed') {
      if (cacheFailing.has(url)) return;
      cacheFailing.add(url);
      sink.warn(
        `tokengate: shared key cache not used for ${url}: ${withoutQueries(event.error ?? 'it failed')}; fetching the keys instead (logged once; ${HINT})`,
      );
    } else if (event.type === 'recovered') {
      if (!failing.has(url) && !stale.has(url)) return;
      failing.delete(url);
      stale.delete(url);
      sink.warn(`tokengate: key source recovered: ${url} answers again`);
    }
  };
  return Object.assign(listener, {
    startupFailed(error: unknown): void {
      const message = withoutQueries(error instanceof Error ? error.message : String(error));
      if (logged.has(message)) return;
      logged.add(message);
      sink.error(`tokengate: warmup failed: ${message.replace(/^tokengate: /, '')}`);
    },
  });
}

/** The default log's listener, which can also report a failed `warmup`. */
export interface KeySourceLogger {
  (event: KeySourceEvent): void;
  /** Logs a failed `warmup` (once per message; a failure already logged as an event is not repeated). */
  startupFailed(error: unknown): void;
}

/** One log for the process: several verifiers sharing a key source log its state changes once. */
let shared: KeySourceLogger | undefined;

/**
 * The listener a verifier attaches to its remote key sources: the app's `onKeySourceEvent`, none
 * when it is `false`, else the process-wide default log (console).
 */
export function keySourceListener(
  option: KeySourceEventOption | undefined,
): ((event: KeySourceEvent) => void) | undefined {
  if (option === false) return undefined;
  if (typeof option === 'function') return option;
  shared ??= createKeySourceLog();
  return shared;
}

/**
 * Reports a failed `warmup` when the app gave no `onError` hook: on the console (once per
 * message), unless `onKeySourceEvent: false` turned logging off.
 */
export function logStartupFailure(option: KeySourceEventOption | undefined, error: unknown): void {
  if (option === false) return;
  shared ??= createKeySourceLog();
  shared.startupFailed(error);
}
