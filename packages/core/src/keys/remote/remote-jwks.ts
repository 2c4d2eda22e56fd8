// One remote key set: its document read into keys, its fetching, sharing and watching. Over 300 lines
// because JwksSource keeps those together (one state per URL); the fetch rules are remote-cache.ts.
import { CERTIFICATES_ACCEPT, certificateEntries } from './certificate-map.js';
import { EventHub } from './event-hub.js';
import type { KeySourceEvent } from './events.js';
import { fetchJson } from './fetch-json.js';
import { KeySourceError } from './key-source-error.js';
import { type RemoteJwksOptions, type ResolvedRemoteOptions, resolveRemoteOptions } from './options.js';
import { SharedRegistry } from './registry.js';
import { type CachedValue, RemoteCache, type RemoteKeySourceStats } from './remote-cache.js';
import { refreshInThisRequest } from './request-refresh.js';
import { requestScopedIo } from './request-scoped-io.js';
import { validateKeySourceUrl } from './url-rules.js';

/**
 * A remote JSON Web Key Set, as jose's `createRemoteJWKSet` but shared and kept through outages:
 * the JWKS document read into a versioned key set, an unknown `kid` answered by one refetch
 * (within the cooldown of {@link RemoteCache}), and the handles apps hold. Fetch timing lives in
 * `remote-cache.ts`, the HTTP exchange in `fetch-json.ts`, sharing in `registry.ts`.
 */

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
  /**
   * Calls `listener` each time a fetch brings a key set with different content (a new
   * `version`), until the returned function is called. While any listener is subscribed, the set
   * is refetched when it is due (every `cacheMaxAge`; never with `cacheMaxAge: Infinity`), with
   * one timer per key set, so changes are seen without requests. A throwing listener is ignored.
   */
  subscribe(listener: () => void): () => void;
}

const JWKS_ACCEPT = 'application/jwk-set+json, application/json';

/** The document a remote key set is read from: a JWKS, or an X.509 certificate map. */
export type KeySetFormat = 'jwks' | 'certificates';

/** Validates a JWKS document (or a certificate map) and builds the next {@link RemoteKeySet}. */
function toKeySet(
  url: string,
  json: unknown,
  previous: RemoteKeySet | undefined,
  fetchedAt: number,
  format: KeySetFormat = 'jwks',
): RemoteKeySet {
  const keys =
    format === 'certificates' ? certificateEntries(url, json) : (json as { keys?: unknown } | null)?.keys;
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
  /** The document each set was read from, as fetched: what the shared `keyCache` stores. */
  readonly #documents = new WeakMap<RemoteKeySet, unknown>();
  readonly #changeListeners = new Set<() => void>();
  readonly #options: ResolvedRemoteOptions;
  #seenVersion = 0;
  #refreshTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(url: string, options: ResolvedRemoteOptions, format: KeySetFormat = 'jwks') {
    this.url = url;
    this.#options = options;
    const read = (document: unknown, previous: RemoteKeySet | undefined, fetchedAt: number) => {
      const set = toKeySet(url, document, previous, fetchedAt, format);
      this.#documents.set(set, document);
      // Fetched or adopted from the shared key cache: listeners hear of new content once the
      // cache holds it (after this returns), so they read the new set.
      if (this.#changeListeners.size > 0 && set.version !== previous?.version) {
        setTimeout(() => this.#changed(set.version), 0);
      }
      return set;
    };
    this.cache = new RemoteCache<RemoteKeySet>(
      url,
      async () => {
        const json = await fetchJson(url, {
          timeoutDuration: options.timeoutDuration,
          fetch: options.fetch,
          headers: options.headers,
          accept: format === 'jwks' ? JWKS_ACCEPT : CERTIFICATES_ACCEPT,
          what: format === 'jwks' ? 'JWKS' : 'certificates',
        });
        return read(json, this.cache.current, options.now());
      },
      options,
      (event) => this.hub.emit(event),
      // A certificate map is its own document under its own key (never read as a JWKS).
      {
        key: format === 'jwks' ? `v1:jwks:${url}` : `v1:certificates:${url}`,
        encode: (set) => this.#documents.get(set),
        decode: read,
      },
    );
  }

  #changed(version: number | undefined): void {
    if (version === undefined || version === this.#seenVersion) return;
    const first = this.#seenVersion === 0;
    this.#seenVersion = version;
    if (first) return;
    for (const listener of [...this.#changeListeners]) {
      try {
        listener();
      } catch {
        // A listener's failure is its own; the fetch and the other listeners go on.
      }
    }
  }

  subscribe(listener: () => void): () => void {
    if (this.#seenVersion === 0) this.#seenVersion = this.cache.current?.version ?? 0;
    this.#changeListeners.add(listener);
    // On workerd a timer dies with the request that armed it: each listener (a watched
    // connection, in its own request) keeps its own refresh; elsewhere one timer serves all.
    const own = requestScopedIo()
      ? refreshInThisRequest({
          delay: () => this.#refreshDelay(),
          refresh: () => this.cache.get(false),
          settled: () => this.#changed(this.cache.current?.version),
        })
      : undefined;
    if (!own) this.#scheduleRefresh();
    return () => {
      this.#changeListeners.delete(listener);
      own?.stop();
      if (this.#changeListeners.size === 0 && this.#refreshTimer !== undefined) {
        clearTimeout(this.#refreshTimer);
        this.#refreshTimer = undefined;
      }
    };
  }

  /** When the held set is due (or a second from now, if it is already: the cooldown governs). */
  #refreshDelay(): number | undefined {
    const { cacheMaxAge, now } = this.#options;
    if (!Number.isFinite(cacheMaxAge)) return undefined;
    const fetchedAt = this.cache.current?.fetchedAt ?? now();
    return Math.min(Math.max(1_000, fetchedAt + cacheMaxAge - now()), 2 ** 31 - 1);
  }

  /** While anything listens: fetch when due (`get` answers from the cache until then). */
  #scheduleRefresh(): void {
    if (this.#refreshTimer !== undefined || this.#changeListeners.size === 0) return;
    const delay = this.#refreshDelay();
    if (delay === undefined) return;
    this.#refreshTimer = setTimeout(() => {
      this.#refreshTimer = undefined;
      this.cache.get(false).then(
        () => this.#scheduleRefresh(),
        () => this.#scheduleRefresh(),
      );
    }, delay);
    (this.#refreshTimer as { unref?: () => void }).unref?.();
  }

  /** The set as callers see it: the held object, or (served stale) one frozen copy marked `stale`. */
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

  /** A new handle on this state; with `onEvent`, one whose listener hears this state's events. */
  handle(onEvent?: (event: KeySourceEvent) => void): RemoteJwks {
    const cache = this.cache;
    const handle: RemoteJwks = {
      url: this.url,
      getKeys: (kid) => this.getKeys(kid),
      peek: () => this.peek(),
      subscribe: (listener) => this.subscribe(listener),
      get stats(): RemoteKeySourceStats {
        return cache.stats;
      },
    };
    return onEvent ? this.hub.attach(handle, onEvent) : handle;
  }
}

function hasKid(set: RemoteKeySet, kid: string): boolean {
  return set.keys.some((key) => key.kid === kid);
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
  return new JwksSource(validateKeySourceUrl(url, 'jwksUri').href, resolved).handle(options.onEvent);
}

const registry = new SharedRegistry<JwksSource>();
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
  const href = validateKeySourceUrl(url, 'jwksUri').href;
  const source = registry.get(href, resolved, () => new JwksSource(href, resolved));
  if (options.onEvent) return source.handle(options.onEvent);
  let shared = defaultHandles.get(source);
  if (!shared) {
    shared = source.handle();
    defaultHandles.set(source, shared);
  }
  return shared;
}

/**
 * The process-wide remote X.509 certificate map at `url` (`{ "<kid>": "<PEM>" }`, Google and
 * Firebase), shared and refreshed exactly as {@link getRemoteJwks}: its set's entries are
 * certificates (`certificate-map.ts`), imported by `importCertificates`.
 * @throws TypeError for a non-https, non-loopback URL or bad options (a start-up error).
 */
export function getRemoteCertificates(url: string | URL, options: RemoteJwksOptions = {}): RemoteJwks {
  const resolved = resolveRemoteOptions(options);
  const href = validateKeySourceUrl(url, 'certificatesUri').href;
  const source = registry.get(
    `certificates ${href}`,
    resolved,
    () => new JwksSource(href, resolved, 'certificates'),
  );
  return options.onEvent ? source.handle(options.onEvent) : (defaultHandles.get(source) ?? remember(source));
}

function remember(source: JwksSource): RemoteJwks {
  const handle = source.handle();
  defaultHandles.set(source, handle);
  return handle;
}
