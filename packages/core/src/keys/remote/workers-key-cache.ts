import type { KeyCache, KeyCacheEntry } from './key-cache.js';

/**
 * The `keyCache` on the Cache API (Cloudflare Workers' `caches.default` / `caches.open(name)`,
 * also Deno's and browsers' `caches`): each entry is a JSON response stored under a URL made
 * from the key, expiring by its `cache-control: max-age`.
 */

/** The part of the Cache API the key cache uses (Workers' `Cache`, the web's `Cache`). */
export interface CacheApiLike {
  /** The response stored for `request`, or undefined. */
  match(request: Request): Promise<Response | undefined>;
  /** Stores `response` for `request`, replacing what is there. */
  put(request: Request, response: Response): Promise<void>;
}

/** Options of {@link workersKeyCache}. */
export interface WorkersKeyCacheOptions {
  /**
   * The URL the entries' keys are appended to (URI-encoded). Entries live in the cache given,
   * so a name in a domain that does not resolve is enough; use one of your own zone's hostnames
   * if your account's cache rules need it.
   * @default 'https://tokengate-key-cache.invalid/'
   */
  prefix?: string;
}

/**
 * A {@link KeyCache} on the Cache API, for Cloudflare Workers: the isolates of one data center
 * then share the key sets and discovery documents they fetched, and a cold isolate verifies its
 * first token without fetching keys.
 *
 * `cache` is a cache (`caches.default`), or a function giving one, called once at first use (for
 * `caches.open(name)`, which is not allowed at a Worker's global scope). The Cache API is local
 * to each Cloudflare data center and is a no-op on `workers.dev` subdomains and in the dashboard
 * preview (there every isolate fetches, as without a key cache).
 *
 * @example
 * ```ts
 * import { workersKeyCache } from '@tokengate/core';
 * app.use('/api/*', jwtAuth({ issuer, audience, keyCache: workersKeyCache(caches.default) }));
 * // or a cache of its own: workersKeyCache(() => caches.open('tokengate'))
 * ```
 * @throws TypeError for a `cache` without `match` and `put`, or a `prefix` that is not an
 *   http(s) URL.
 */
export function workersKeyCache(
  cache: CacheApiLike | (() => CacheApiLike | Promise<CacheApiLike>),
  options: WorkersKeyCacheOptions = {},
): KeyCache {
  const prefix = options.prefix ?? 'https://tokengate-key-cache.invalid/';
  if (typeof prefix !== 'string' || !/^https?:\/\/[^/]+\//.test(prefix)) {
    throw new TypeError('workersKeyCache: prefix must be an http(s) URL ending in a path (https://host/…)');
  }
  let opened: Promise<CacheApiLike> | undefined;
  if (typeof cache === 'function') {
    const open = cache;
    const get = () => {
      // a failed open is tried again at the next use
      opened ??= Promise.resolve()
        .then(open)
        .catch((error: unknown) => {
          opened = undefined;
          throw error;
        });
      return opened;
    };
    return cacheApiKeyCache(get, prefix);
  }
  if (typeof cache?.match !== 'function' || typeof cache.put !== 'function') {
    throw new TypeError(
      'workersKeyCache: cache must be a Cache API cache (caches.default) or a function giving one',
    );
  }
  const given = cache;
  return cacheApiKeyCache(() => given, prefix);
}

function cacheApiKeyCache(cache: () => CacheApiLike | Promise<CacheApiLike>, prefix: string): KeyCache {
  const request = (key: string) => new Request(`${prefix}${encodeURIComponent(key)}`);
  return {
    async get(key) {
      const response = await (await cache()).match(request(key));
      return response && ((await response.json()) as KeyCacheEntry);
    },
    async set(key, entry, ttlSeconds) {
      const response = new Response(JSON.stringify(entry), {
        headers: { 'content-type': 'application/json', 'cache-control': `public, max-age=${ttlSeconds}` },
      });
      await (await cache()).put(request(key), response);
    },
  };
}
