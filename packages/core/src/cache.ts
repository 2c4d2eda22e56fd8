import type { AuthContext } from './context.js';

interface Entry {
  readonly auth: AuthContext<any>;
  /** Seconds: first instant the entry may be served (`nbf` − tolerance). */
  readonly from: number;
  /** Seconds: the entry is dropped at this instant (`exp` + tolerance, or cache max age). */
  readonly until: number;
  /** Key-set version the token was verified against. */
  readonly version: number;
  /** The profile whose key set verified it. */
  readonly profile: number;
  readonly bytes: number;
}

/**
 * The verified-token cache: an LRU keyed by the WHOLE token string (never a part of it: see
 * fast-jwt GHSA-rp9m-7r4c-75qg), bounded by entries and bytes. An entry is served only inside
 * the token's own validity window and only while the key set that verified it is unchanged;
 * failures are never cached.
 */
export class TokenCache {
  readonly #entries = new Map<string, Entry>();
  readonly #maxEntries: number;
  readonly #maxBytes: number;
  readonly #maxAge: number;
  #bytes = 0;

  /**
   * @param maxEntries - most tokens kept.
   * @param maxAge - seconds an entry may be served at most.
   * @param maxBytes - approximate memory bound.
   */
  constructor(maxEntries: number, maxAge: number, maxBytes = 64 * 1024 * 1024) {
    this.#maxEntries = maxEntries;
    this.#maxAge = maxAge;
    this.#maxBytes = maxBytes;
  }

  /** Number of cached tokens. */
  get size(): number {
    return this.#entries.size;
  }

  /**
   * The cached context for `token` at `now` (seconds), if it is still valid for the current
   * key-set `versionOf(profile)`.
   */
  get(token: string, now: number, versionOf: (profile: number) => number): AuthContext<any> | undefined {
    const entry = this.#entries.get(token);
    if (entry === undefined) return undefined;
    if (now >= entry.until || entry.version !== versionOf(entry.profile)) {
      this.#delete(token, entry);
      return undefined;
    }
    if (now < entry.from) return undefined;
    this.#entries.delete(token);
    this.#entries.set(token, entry);
    return entry.auth;
  }

  /** Remembers a verified context. */
  set(
    token: string,
    auth: AuthContext<any>,
    window: { from: number; until: number; now: number },
    version: number,
    profile: number,
  ): void {
    const until = Math.min(window.until, window.now + this.#maxAge);
    if (until <= window.now) return;
    const previous = this.#entries.get(token);
    if (previous) this.#delete(token, previous);
    const bytes = token.length * 4 + 512;
    const entry: Entry = { auth, from: window.from, until, version, profile, bytes };
    this.#entries.set(token, entry);
    this.#bytes += bytes;
    while (this.#entries.size > this.#maxEntries || this.#bytes > this.#maxBytes) {
      const oldest = this.#entries.keys().next();
      if (oldest.done) break;
      this.#delete(oldest.value, this.#entries.get(oldest.value)!);
    }
  }

  /** Forgets everything. */
  clear(): void {
    this.#entries.clear();
    this.#bytes = 0;
  }

  #delete(token: string, entry: Entry): void {
    this.#entries.delete(token);
    this.#bytes -= entry.bytes;
  }
}
