import { nearestName } from '../../config/nearest.js';
import { AuthError } from '../../errors/auth-error.js';
import { fetchJson, KeySourceError } from './fetch-json.js';

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

/**
 * A key-source event:
 * - `fetched`: a fetch succeeded (`version` is the set's version afterwards);
 * - `fetch_failed`: a fetch failed (`error` names the URL and the defect, `kind` classifies it);
 * - `stale_keys`: keys older than `cacheMaxAge` are being served because refetching fails
 *   (`ageMs` is their age); sent once per failed fetch, not per request;
 * - `recovered`: a fetch succeeded after one or more failures.
 */
export interface KeySourceEvent {
  type: 'fetched' | 'fetch_failed' | 'stale_keys' | 'recovered';
  /** The URL fetched (JWKS or discovery document). */
  url: string;
  /** For `fetch_failed` (and `stale_keys`): what failed, never key material. */
  error?: string;
  /** For `fetch_failed`: the classification of {@link KeySourceError.kind}. */
  kind?: KeySourceError['kind'];
  /** For `stale_keys`: age of the served keys in milliseconds. */
  ageMs?: number;
  /** For `fetched` / `recovered` of a JWKS: the key set's version. */
  version?: number;
}

/** A JWK as fetched: the raw JSON object of one `keys` entry (only objects with a string `kty`). */
export interface RemoteJwk {
  readonly kty: string;
  readonly kid?: string;
  readonly alg?: string;
  readonly use?: string;
  readonly [member: string]: unknown;
}

/** A snapshot of a remote key set. */
export interface RemoteKeySet {
  /**
   * The usable entries of `keys`, in the order served (frozen). The array is the same object
   * for as long as the content is unchanged, so it can key a cache of imported keys.
   */
  readonly keys: readonly RemoteJwk[];
  /**
   * Starts at 1 and increments each time a fetch returns different content, so importers and
   * caches can tell when to rebuild.
   */
  readonly version: number;
  /** True when these keys are older than `cacheMaxAge` and served only because refetching fails. */
  readonly stale: boolean;
  /** When these keys were fetched (the `now` clock), in milliseconds since the epoch. */
  readonly fetchedAt: number;
}

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
 * A remote JSON Web Key Set: fetched lazily, cached, refreshed on unknown `kid`s with a cooldown,
 * one fetch in flight at a time, and kept serving for a bounded time while the endpoint fails.
 */
export interface RemoteJwks {
  /** The JWKS URL (for an issuer's keys before discovery has completed: the issuer). */
  readonly url: string;
  /**
   * The current key set, fetching it when none is held or it is older than `cacheMaxAge`;
   * concurrent callers share one fetch.
   *
   * With `kid` and no such key in the set: refetches, unless a fetch started less than
   * `cooldownDuration` ago. If the key is still unknown, the set is returned (the verifier
   * answers 401 `unknown_key`), unless the last fetch failed: then it throws
   * `key_source_unavailable`, since the key may exist.
   *
   * @throws AuthError `key_source_unavailable` (503, with `retryAfter` = seconds until the next
   *   fetch is allowed, and a {@link KeySourceError} as `cause`) when no usable set can be had:
   *   never fetched successfully, or stale beyond `staleIfError`. Answers within
   *   `timeoutDuration`, never hangs.
   */
  getKeys(kid?: string): Promise<RemoteKeySet>;
  /**
   * The set `getKeys()` would return right now without fetching (fresh, or stale during an
   * outage within `staleIfError`), synchronously; undefined when a fetch is due or no set is
   * usable. For the hot path.
   */
  peek(): RemoteKeySet | undefined;
  /** Fetch counters (shared by every handle on the same URL and options). */
  readonly stats: RemoteKeySourceStats;
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

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** Whether a URL's host is a loopback name or address (`127.0.0.1`, `localhost`, `[::1]`). */
export function isLoopback(url: URL): boolean {
  return LOOPBACK.has(url.hostname);
}

/**
 * Parses a key-source URL and requires `https:`, except for loopback hosts (`127.0.0.1`,
 * `localhost`, `[::1]`) where `http:` is allowed for local development and tests — unless
 * `allowLoopbackHttp` is `false` (for URLs that the operator did not write, such as a `jwks_uri`
 * found in an https issuer's discovery document).
 *
 * @example
 * ```ts
 * assertKeySourceUrl('https://idp.example.com/jwks', 'jwksUri'); // URL
 * assertKeySourceUrl('http://idp.example.com/jwks', 'jwksUri');  // throws TypeError
 * ```
 * @throws TypeError naming `label` for an invalid or insecure URL.
 */
export function assertKeySourceUrl(value: string | URL, label: string, allowLoopbackHttp = true): URL {
  let url: URL;
  try {
    url = new URL(String(value));
  } catch {
    throw new TypeError(
      `tokengate: option "${label}" must be an absolute URL (got ${JSON.stringify(String(value))})`,
    );
  }
  if (url.username !== '' || url.password !== '') {
    // fetch() refuses such URLs, and the password would end up in every error message.
    throw new TypeError(
      `tokengate: option "${label}" must not contain a user name or password; use the "fetch" option to send credentials`,
    );
  }
  if (url.protocol !== 'https:' && !(allowLoopbackHttp && url.protocol === 'http:' && isLoopback(url))) {
    throw new TypeError(
      allowLoopbackHttp
        ? `tokengate: option "${label}" must use https (http is allowed only for loopback hosts), got ${url.href}`
        : `tokengate: option "${label}" must use https, got ${url.href}`,
    );
  }
  return url;
}

const functionIds = new WeakMap<object, number>();
let nextFunctionId = 1;
function identity(fn: object | undefined): number {
  if (!fn) return 0;
  let id = functionIds.get(fn);
  if (id === undefined) {
    id = nextFunctionId++;
    functionIds.set(fn, id);
  }
  return id;
}

/** A string that is equal for equal resolved options (functions compared by identity). */
export function optionsKey(options: ResolvedRemoteOptions): string {
  const headers = options.headers ? Object.entries(options.headers).sort(([a], [b]) => (a < b ? -1 : 1)) : [];
  return JSON.stringify([
    options.timeoutDuration,
    options.cooldownDuration,
    String(options.cacheMaxAge),
    options.staleIfError,
    identity(options.fetch),
    identity(options.now),
    headers,
  ]);
}

/** Fans events out to listeners held weakly, so handles that are dropped stop receiving events. */
export class EventHub {
  readonly #listeners = new Set<WeakRef<{ onEvent: (event: KeySourceEvent) => void }>>();
  #warned = false;

  add(holder: { onEvent: (event: KeySourceEvent) => void }): void {
    this.#listeners.add(new WeakRef(holder));
  }

  emit(event: KeySourceEvent): void {
    for (const ref of this.#listeners) {
      const holder = ref.deref();
      if (!holder) {
        this.#listeners.delete(ref);
        continue;
      }
      try {
        holder.onEvent(event);
      } catch (error) {
        if (!this.#warned) {
          this.#warned = true;
          console.warn('tokengate: an onEvent listener of a remote key source threw; ignoring it', error);
        }
      }
    }
  }
}

/**
 * First retry delay after a failed fetch while no usable keys are held, in milliseconds; it
 * doubles on each further failure, up to `cooldownDuration`.
 */
export const FIRST_RETRY_MS = 1_000;

/** A fetch in flight: settles when the fetch has (it never rejects), due by `deadline` (`Date.now()`). */
interface Flight {
  readonly done: Promise<void>;
  readonly deadline: number;
}

/**
 * How long past a fetch's deadline its waiters keep waiting before they conclude the runtime
 * cancelled it (the fetch's own timeout fires at the deadline and settles it on every runtime
 * that does not).
 */
const ABANDON_GRACE_MS = 100;

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
  #value: T | undefined;
  #fetchedAt = 0;
  #lastAttemptAt: number | undefined;
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
  ) {
    this.url = url;
    this.#load = load;
    this.#options = options;
    this.#emit = emit;
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
        done: this.#fetch(now).finally(() => {
          if (this.#inflight === flight) this.#inflight = undefined;
        }),
        deadline: Date.now() + this.#options.timeoutDuration,
      };
      this.#inflight = flight;
    }
    const abandoned = await this.#wait(this.#inflight);
    return this.#settle(
      this.#options.now(),
      abandoned ? `no answer from ${this.url} within ${this.#options.timeoutDuration} ms` : undefined,
    );
  }

  /**
   * Waits for the fetch in flight, but not past its deadline. Every fetch settles by then on its
   * own (`fetchJson` races a timer), except where the runtime cancels it: on Cloudflare Workers a
   * fetch is I/O of the request that started it, and it never settles once that request has
   * ended (a `hono/timeout`, a client that went away). The other requests waiting for it then
   * stop waiting at the deadline (and answer with what is held, or 503), and the fetch is
   * forgotten, so the next request starts a new one instead of joining a fetch that never ends.
   * @returns whether the fetch was given up.
   */
  async #wait(flight: Flight): Promise<boolean> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const expired = new Promise<true>((resolve) => {
      timer = setTimeout(() => resolve(true), Math.max(0, flight.deadline - Date.now()) + ABANDON_GRACE_MS);
    });
    try {
      const abandoned = await Promise.race([flight.done.then(() => false), expired]);
      if (abandoned && this.#inflight === flight) this.#inflight = undefined;
      return abandoned;
    } finally {
      clearTimeout(timer);
    }
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

  #inCooldown(now: number): boolean {
    return this.#lastAttemptAt !== undefined && now - this.#lastAttemptAt < this.#retryDelay();
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

const JWKS_ACCEPT = 'application/jwk-set+json, application/json';

/** Validates a JWKS document and builds the next {@link RemoteKeySet}. */
function toKeySet(
  url: string,
  json: unknown,
  previous: RemoteKeySet | undefined,
  fetchedAt: number,
): RemoteKeySet {
  const keys = (json as { keys?: unknown } | null)?.keys;
  if (typeof json !== 'object' || json === null || Array.isArray(json) || !Array.isArray(keys)) {
    throw new KeySourceError(
      'wrong_shape',
      url,
      `JWKS from ${url} is not a JSON Web Key Set (no "keys" array)`,
    );
  }
  const usable = keys.filter(
    (key): key is RemoteJwk =>
      typeof key === 'object' && key !== null && !Array.isArray(key) && typeof key.kty === 'string',
  );
  const frozen = Object.freeze(usable.map((key) => Object.freeze({ ...key })));
  let version = 1;
  if (previous) {
    version =
      JSON.stringify(previous.keys) === JSON.stringify(frozen) ? previous.version : previous.version + 1;
    if (version === previous.version) return Object.freeze({ ...previous, fetchedAt });
  }
  return Object.freeze({ keys: frozen, version, stale: false, fetchedAt });
}

/** The shared state behind every {@link RemoteJwks} handle of one URL and options. */
class JwksSource {
  readonly url: string;
  readonly hub = new EventHub();
  readonly cache: RemoteCache<RemoteKeySet>;
  readonly #staleViews = new WeakMap<RemoteKeySet, RemoteKeySet>();

  constructor(url: string, options: ResolvedRemoteOptions) {
    this.url = url;
    this.cache = new RemoteCache<RemoteKeySet>(
      url,
      async () => {
        const json = await fetchJson(url, {
          timeoutDuration: options.timeoutDuration,
          fetch: options.fetch,
          headers: options.headers,
          accept: JWKS_ACCEPT,
          what: 'JWKS',
        });
        return toKeySet(url, json, this.cache.current, options.now());
      },
      options,
      (event) => this.hub.emit(event),
    );
  }

  view(held: CachedValue<RemoteKeySet>): RemoteKeySet {
    if (!held.stale) return held.value;
    let stale = this.#staleViews.get(held.value);
    if (!stale) {
      stale = Object.freeze({ ...held.value, stale: true });
      this.#staleViews.set(held.value, stale);
    }
    return stale;
  }

  async getKeys(kid: string | undefined): Promise<RemoteKeySet> {
    const held = await this.cache.get(false);
    if (kid === undefined || hasKid(held.value, kid)) return this.view(held);
    const refreshed = await this.cache.get(true);
    if (hasKid(refreshed.value, kid) || !this.cache.failing) return this.view(refreshed);
    throw this.cache.unavailable(
      `the token's key is not in the JWKS held for ${this.url}, and refetching it failed: ${this.cache.stats.lastError}`,
    );
  }

  peek(): RemoteKeySet | undefined {
    const held = this.cache.peek();
    return held && this.view(held);
  }
}

function hasKid(set: RemoteKeySet, kid: string): boolean {
  return set.keys.some((key) => key.kid === kid);
}

function handle(source: JwksSource): RemoteJwks {
  return {
    url: source.url,
    getKeys: (kid) => source.getKeys(kid),
    peek: () => source.peek(),
    get stats() {
      return source.cache.stats;
    },
  };
}

function withListener(
  source: JwksSource,
  onEvent: ((event: KeySourceEvent) => void) | undefined,
): RemoteJwks {
  const result = handle(source);
  if (onEvent) {
    const holder = Object.assign(result, { onEvent });
    source.hub.add(holder);
    return holder;
  }
  return result;
}

/**
 * Creates a remote JWKS that is not shared with anything else (tests, or deliberate isolation).
 * Prefer {@link getRemoteJwks}.
 *
 * @example
 * ```ts
 * const jwks = createRemoteJwks(server.jwksUri, { now: () => fakeTime, cooldownDuration: 1_000 });
 * ```
 *
 * @throws TypeError for a non-https, non-loopback URL or bad options.
 */
export function createRemoteJwks(url: string | URL, options: RemoteJwksOptions = {}): RemoteJwks {
  const resolved = resolveRemoteOptions(options);
  const source = new JwksSource(assertKeySourceUrl(url, 'jwksUri').href, resolved);
  return withListener(source, options.onEvent);
}

/**
 * Most distinct (URL, options) entries kept by the shared registries. Configurations are few;
 * the bound only matters if an app builds options (say, a new `fetch` function) per request,
 * which defeats sharing: the oldest entry is then forgotten rather than kept forever.
 */
export const REGISTRY_LIMIT = 256;

/** Remembers `value` under `key` in a bounded registry (oldest entry forgotten first). */
export function remember<V>(registry: Map<string, V>, key: string, create: () => V): V {
  let value = registry.get(key);
  if (value === undefined) {
    value = create();
    if (registry.size >= REGISTRY_LIMIT) registry.delete(registry.keys().next().value!);
    registry.set(key, value);
  }
  return value;
}

const registry = new Map<string, JwksSource>();
const defaultHandles = new WeakMap<JwksSource, RemoteJwks>();

/**
 * The process-wide remote JWKS for `url`: every caller with the same URL and the same options
 * (functions compared by identity; `onEvent` excepted) shares one cache, one in-flight fetch and
 * one cooldown, so ten middlewares on one identity provider cost one fetch. Calls without
 * `onEvent` get the same object; each call with `onEvent` gets its own handle on the shared
 * state, whose listener receives every event of that state for as long as the handle is
 * referenced.
 *
 * @example
 * ```ts
 * const jwks = getRemoteJwks('https://idp.example.com/.well-known/jwks.json', { cooldownDuration: 60_000 });
 * const set = jwks.peek() ?? (await jwks.getKeys(header.kid));
 * const jwk = set.keys.find((k) => k.kid === header.kid); // none → 401 unknown_key
 * ```
 * @throws TypeError for a non-https, non-loopback URL or bad options (a start-up error).
 */
export function getRemoteJwks(url: string | URL, options: RemoteJwksOptions = {}): RemoteJwks {
  const resolved = resolveRemoteOptions(options);
  const href = assertKeySourceUrl(url, 'jwksUri').href;
  const key = `${href}\n${optionsKey(resolved)}`;
  const source = remember(registry, key, () => new JwksSource(href, resolved));
  if (options.onEvent) return withListener(source, options.onEvent);
  let shared = defaultHandles.get(source);
  if (!shared) {
    shared = handle(source);
    defaultHandles.set(source, shared);
  }
  return shared;
}
