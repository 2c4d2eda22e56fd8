import { AuthError } from '../../errors/auth-error.js';
import type { KeySourceEvent } from './events.js';
import { type Flight, waitForFlight } from './flight.js';
import {
  KEY_CACHE_TIMEOUT_MS,
  keyCacheTtl,
  readKeyCache,
  type SharedDocument,
  writeKeyCache,
} from './key-cache.js';
import { KeySourceError } from './key-source-error.js';
import type { ResolvedRemoteOptions } from './options.js';

/**
 * When a remote value (a key set, a discovery document) is fetched, how long it is kept, when it
 * is fetched again, and when it is still served while fetches fail: one state machine per URL,
 * whatever is fetched. Its counters are the stats apps read. With a shared `keyCache`, a fetch
 * is preceded by a look there (a copy another instance fetched) and followed by a write there,
 * under the same rules.
 */

/** Counters of a remote key source. */
export interface RemoteKeySourceStats {
  /** Fetches started. */
  readonly fetches: number;
  /** Fetches that failed. */
  readonly failures: number;
  /** When the last fetch succeeded (the `now` clock). */
  readonly lastSuccessAt: number | undefined;
  /** When the last fetch started (the `now` clock). */
  readonly lastAttemptAt: number | undefined;
  /** The message of the last failure, while the source is failing; undefined once it recovers. */
  readonly lastError: string | undefined;
}

/**
 * First retry delay after a failed fetch while no usable keys are held, in milliseconds; it
 * doubles on each further failure, up to `cooldownDuration`.
 */
export const FIRST_RETRY_MS = 1_000;

/** A value held by a {@link RemoteCache}, with whether it is served stale. */
export interface CachedValue<T> {
  readonly value: T;
  readonly stale: boolean;
}

/**
 * The fetch policy shared by remote key sets and discovery metadata: lazy, single-flight,
 * fresh for `cacheMaxAge`, refetch on demand no more than once per `cooldownDuration`, no
 * refetch within `cooldownDuration` of a failure (a backoff from 1 s, doubling up to
 * `cooldownDuration`, while nothing has been fetched yet), and the last good value served stale for up
 * to `staleIfError` while fetches fail.
 */
export class RemoteCache<T> {
  readonly url: string;
  readonly #load: () => Promise<T>;
  readonly #options: ResolvedRemoteOptions;
  readonly #emit: (event: KeySourceEvent) => void;
  readonly #shared: SharedDocument<T> | undefined;
  #value: T | undefined;
  #fetchedAt = 0;
  #lastAttemptAt: number | undefined;
  /** When the newest copy taken from the shared cache was fetched (by another instance). */
  #sharedFetchedAt: number | undefined;
  #lastSuccessAt: number | undefined;
  #lastError: KeySourceError | undefined;
  #inflight: Flight | undefined;
  #staleNotified = false;
  #fetches = 0;
  #failures = 0;
  #consecutiveFailures = 0;

  constructor(
    url: string,
    load: () => Promise<T>,
    options: ResolvedRemoteOptions,
    emit: (event: KeySourceEvent) => void,
    shared?: SharedDocument<T>,
  ) {
    this.url = url;
    this.#load = load;
    this.#options = options;
    this.#emit = emit;
    this.#shared = options.keyCache ? shared : undefined;
  }

  /** The value held (fresh or not), for builders that compare with the previous one. */
  get current(): T | undefined {
    return this.#value;
  }

  /** Whether the last fetch failed. */
  get failing(): boolean {
    return this.#lastError !== undefined;
  }

  get stats(): RemoteKeySourceStats {
    return {
      fetches: this.#fetches,
      failures: this.#failures,
      lastSuccessAt: this.#lastSuccessAt,
      lastAttemptAt: this.#lastAttemptAt,
      lastError: this.#lastError?.message,
    };
  }

  /** The value if usable without fetching, else undefined. */
  peek(): CachedValue<T> | undefined {
    const now = this.#options.now();
    if (this.#isFresh(now)) return { value: this.#value!, stale: false };
    if (this.#lastError && this.#inCooldown(now) && this.#withinStale(now)) return this.#serveStale(now);
    return undefined;
  }

  /**
   * The value, fetching when it is missing or expired, or (with `refresh`) when the caller needs
   * something the current value lacks, subject to the cooldown.
   * @throws AuthError `key_source_unavailable`.
   */
  async get(refresh = false): Promise<CachedValue<T>> {
    const now = this.#options.now();
    if (!refresh && this.#isFresh(now)) return { value: this.#value!, stale: false };
    if (!this.#inflight) {
      if (this.#inCooldown(now) && (this.#lastError || this.#isFresh(now))) return this.#settle(now);
      const flight: Flight = {
        done: this.#refresh(now, refresh).finally(() => {
          if (this.#inflight === flight) this.#inflight = undefined;
        }),
        // the shared cache's read and write each get KEY_CACHE_TIMEOUT_MS on top of the fetch
        deadline: Date.now() + this.#options.timeoutDuration + (this.#shared ? 2 * KEY_CACHE_TIMEOUT_MS : 0),
      };
      this.#inflight = flight;
    }
    const current = this.#inflight;
    const abandoned = await waitForFlight(current);
    if (abandoned && this.#inflight === current) this.#inflight = undefined;
    return this.#settle(
      this.#options.now(),
      abandoned ? `no answer from ${this.url} within ${this.#options.timeoutDuration} ms` : undefined,
    );
  }

  /** The `key_source_unavailable` error for the current state. */
  unavailable(reason?: string): AuthError {
    const now = this.#options.now();
    const retryAfter =
      this.#lastAttemptAt === undefined
        ? 1
        : Math.max(1, Math.ceil((this.#lastAttemptAt + this.#retryDelay() - now) / 1000));
    const last = this.#lastError;
    const detail = reason ?? (last ? last.message : `keys from ${this.url} are not available`);
    return new AuthError('key_source_unavailable', detail, { cause: last, retryAfter });
  }

  #isFresh(now: number): boolean {
    return this.#value !== undefined && now - this.#fetchedAt < this.#options.cacheMaxAge;
  }

  #withinStale(now: number): boolean {
    return (
      this.#value !== undefined &&
      now - this.#fetchedAt < this.#options.cacheMaxAge + this.#options.staleIfError
    );
  }

  /**
   * Whether a fetch now would come too soon after the last one: this instance's last attempt,
   * or the fetch (by any instance) of the newest copy taken from the shared cache.
   */
  #inCooldown(now: number): boolean {
    const last = Math.max(this.#lastAttemptAt ?? -Infinity, this.#sharedFetchedAt ?? -Infinity);
    return now - last < this.#retryDelay();
  }

  /**
   * Least time between two fetches: `cooldownDuration`, except while nothing has ever been
   * fetched (the provider was down at start-up, or misconfigured): then every request is a 503
   * until a fetch succeeds, so failures are retried after {@link FIRST_RETRY_MS}, doubling up to
   * `cooldownDuration`.
   */
  #retryDelay(): number {
    const cooldown = this.#options.cooldownDuration;
    if (this.#lastError === undefined || this.#value !== undefined) return cooldown;
    return Math.min(cooldown, FIRST_RETRY_MS * 2 ** Math.min(this.#consecutiveFailures - 1, 30));
  }

  #serveStale(now: number): CachedValue<T> {
    if (!this.#staleNotified) {
      this.#staleNotified = true;
      this.#emit({
        type: 'stale_keys',
        url: this.url,
        ageMs: now - this.#fetchedAt,
        error: this.#lastError?.message,
      });
    }
    return { value: this.#value!, stale: true };
  }

  /** What a caller gets after a fetch; `abandoned` names a fetch given up (served like a failure). */
  #settle(now: number, abandoned?: string): CachedValue<T> {
    if (this.#isFresh(now)) return { value: this.#value!, stale: false };
    if ((this.#lastError || abandoned) && this.#withinStale(now)) return this.#serveStale(now);
    if (this.#value !== undefined && this.#lastError) {
      const age = Math.round((now - this.#fetchedAt) / 1000);
      throw this.unavailable(
        `${this.#lastError.message}; the last good copy is ${age} s old, older than cacheMaxAge + staleIfError`,
      );
    }
    throw this.unavailable(abandoned);
  }

  /** What a due fetch does: first the shared cache's copy, when it makes the fetch unneeded. */
  async #refresh(now: number, refresh: boolean): Promise<void> {
    if (this.#shared && (await this.#adoptShared(this.#shared, refresh))) return;
    await this.#fetch(now);
    if (this.#shared && this.#lastError === undefined) await this.#writeShared(this.#shared);
  }

  /**
   * Takes the shared cache's copy when it is newer than the value held, and says whether it
   * replaces the fetch: it does when it is fresh and, for a refresh (an unknown `kid`), when it
   * was fetched within `cooldownDuration` — as soon as this instance would be allowed to fetch.
   * A copy that does not replace the fetch is still kept, to be served stale if the fetch fails.
   */
  async #adoptShared(shared: SharedDocument<T>, refresh: boolean): Promise<boolean> {
    const report = (message: string) =>
      this.#emit({ type: 'key_cache_failed', url: this.url, error: message });
    const entry = await readKeyCache(this.#options.keyCache!, shared.key, this.#options.now(), report);
    if (entry === undefined || (this.#value !== undefined && entry.fetchedAt <= this.#fetchedAt))
      return false;
    let value: T;
    try {
      value = shared.decode(entry.document, this.#value, entry.fetchedAt);
    } catch (error) {
      report(`key cache entry ignored: ${error instanceof Error ? error.message : String(error)}`);
      return false;
    }
    this.#value = value;
    this.#fetchedAt = entry.fetchedAt;
    this.#sharedFetchedAt = entry.fetchedAt;
    const now = this.#options.now();
    const replaces =
      this.#isFresh(now) && (!refresh || now - entry.fetchedAt < this.#options.cooldownDuration);
    if (replaces && this.#lastError !== undefined) {
      // another instance fetched it since this one last failed: the source answers again
      this.#lastError = undefined;
      this.#consecutiveFailures = 0;
      this.#emit({ type: 'recovered', url: this.url });
    }
    return replaces;
  }

  async #writeShared(shared: SharedDocument<T>): Promise<void> {
    const report = (message: string) =>
      this.#emit({ type: 'key_cache_failed', url: this.url, error: message });
    const document = shared.encode(this.#value!);
    if (document === undefined) return;
    const entry = { fetchedAt: this.#fetchedAt, document };
    const ttl = keyCacheTtl(this.#options.cacheMaxAge, this.#options.staleIfError);
    await writeKeyCache(this.#options.keyCache!, shared.key, entry, ttl, report);
  }

  async #fetch(now: number): Promise<void> {
    this.#lastAttemptAt = now;
    this.#fetches++;
    try {
      const value = await this.#load();
      const recovered = this.#lastError !== undefined;
      this.#value = value;
      this.#fetchedAt = this.#options.now();
      this.#lastSuccessAt = this.#fetchedAt;
      this.#lastError = undefined;
      this.#consecutiveFailures = 0;
      const version = (value as { version?: unknown }).version;
      const extra = typeof version === 'number' ? { version } : {};
      this.#emit({ type: 'fetched', url: this.url, ...extra });
      if (recovered) this.#emit({ type: 'recovered', url: this.url, ...extra });
    } catch (cause) {
      const error =
        cause instanceof KeySourceError
          ? cause
          : new KeySourceError('network', this.url, `fetch from ${this.url} failed: ${String(cause)}`, {
              cause,
            });
      this.#lastError = error;
      this.#failures++;
      this.#consecutiveFailures++;
      this.#staleNotified = false;
      this.#emit({ type: 'fetch_failed', url: this.url, error: error.message, kind: error.kind });
    }
  }
}
