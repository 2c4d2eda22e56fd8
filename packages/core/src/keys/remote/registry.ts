import type { ResolvedRemoteOptions } from './options.js';

/**
 * The process-wide registries of shared remote sources: every caller that names the same URL
 * with the same options gets the same source (one cache, one fetch in flight, one cooldown), so
 * ten middlewares on one identity provider cost one fetch. Bounded, oldest entry forgotten first.
 */

/**
 * Most distinct (URL, options) entries kept by each shared registry. Configurations are few;
 * the bound only matters if an app builds options (say, a new `fetch` function) per request,
 * which defeats sharing: the oldest entry is then forgotten rather than kept forever.
 */
export const REGISTRY_LIMIT = 256;

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

/**
 * A string that is equal for equal resolved options (functions compared by identity; `onEvent`
 * is not part of resolved options, so listeners never split a source).
 */
export function optionsKey(options: ResolvedRemoteOptions): string {
  const headers = options.headers ? Object.entries(options.headers).sort(([a], [b]) => (a < b ? -1 : 1)) : [];
  return JSON.stringify([
    options.timeoutDuration,
    options.cooldownDuration,
    String(options.cacheMaxAge),
    options.staleIfError,
    identity(options.fetch),
    identity(options.now),
    identity(options.keyCache),
    headers,
  ]);
}

/** Shared sources of one kind (remote key sets, or discovery documents), by URL and options. */
export class SharedRegistry<V> {
  readonly #entries = new Map<string, V>();

  /** The source for `url` and `options`, created by `create` the first time (or after eviction). */
  get(url: string, options: ResolvedRemoteOptions, create: () => V): V {
    const key = `${url}\n${optionsKey(options)}`;
    let value = this.#entries.get(key);
    if (value === undefined) {
      value = create();
      if (this.#entries.size >= REGISTRY_LIMIT) this.#entries.delete(this.#entries.keys().next().value!);
      this.#entries.set(key, value);
    }
    return value;
  }

  /** How many sources are held (for tests of the bound). */
  get size(): number {
    return this.#entries.size;
  }
}
