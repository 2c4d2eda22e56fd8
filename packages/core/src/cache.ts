import type { AuthContext } from './context.js';

interface Entry {
  /** The whole token: a hit requires it to equal the token presented, character for character. */
  readonly token: string;
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
 * The verified-token cache: keyed by the WHOLE token string (never a part of it: see fast-jwt
 * GHSA-rp9m-7r4c-75qg), bounded by entries and bytes. An entry is served only inside the token's
 * own validity window and only while the key set that verified it is unchanged; failures are
 * never cached.
 *
 * The Map is indexed by the token's last {@link KEY_LENGTH} characters (signature bytes, which no
 * one can choose for a token that verifies) and every hit compares the stored token with the
 * presented one in full: V8 hashes a new string on every `Map.get`, about 1 µs for a 700-character
 * RS256 token, while the suffix costs a few ns. A suffix shared by two tokens can only cause a
 * miss, never a wrong answer.
 *
 * Recency is kept with two generations (the hashlru scheme) rather than by deleting and
 * re-inserting Map keys: new and recently used entries live in the young Map, a hit in the old
 * Map promotes the entry, and when the young Map is full it becomes the old one and the previous
 * old one is dropped whole. V8's ordered hash maps degrade badly under delete-and-re-add of the
 * same key (tens of µs per operation at 10k entries), which made a delete-based LRU slower than no
 * cache at all; this scheme never deletes and costs one or two Map lookups per hit.
 */
export class TokenCache {
  #young = new Map<string, Entry>();
  #old = new Map<string, Entry>();
  #youngBytes = 0;
  readonly #half: number;
  readonly #halfBytes: number;
  readonly #maxAge: number;

  /**
   * @param maxEntries - most tokens kept.
   * @param maxAge - seconds an entry may be served at most.
   * @param maxBytes - approximate memory bound.
   */
  constructor(maxEntries: number, maxAge: number, maxBytes = 64 * 1024 * 1024) {
    this.#half = Math.max(1, Math.floor(maxEntries / 2));
    this.#halfBytes = maxBytes / 2;
    this.#maxAge = maxAge;
  }

  /** Number of entries held (an upper bound: a promoted entry may be counted twice). */
  get size(): number {
    return this.#young.size + this.#old.size;
  }

  /**
   * The cached context for `token` at `now` (seconds), if it is still valid for the current
   * key-set `versionOf(profile)`.
   */
  get(token: string, now: number, versionOf: (profile: number) => number): AuthContext<any> | undefined {
    const key = keyOf(token);
    let entry = this.#young.get(key);
    if (entry === undefined) {
      entry = this.#old.get(key);
      if (entry === undefined || entry.token !== token || !usable(entry, now, versionOf)) return undefined;
      this.#add(key, entry);
      return entry.auth;
    }
    return entry.token === token && usable(entry, now, versionOf) ? entry.auth : undefined;
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
    this.#add(keyOf(token), {
      token,
      auth,
      from: window.from,
      until,
      version,
      profile,
      bytes: token.length * 4 + 512,
    });
  }

  #add(key: string, entry: Entry): void {
    const previous = this.#young.get(key);
    if (previous !== undefined) this.#youngBytes -= previous.bytes;
    this.#young.set(key, entry);
    this.#youngBytes += entry.bytes;
    if (this.#young.size >= this.#half || this.#youngBytes >= this.#halfBytes) {
      this.#old = this.#young;
      this.#young = new Map();
      this.#youngBytes = 0;
    }
  }
}

/** Characters of the token's end that index the Map. */
const KEY_LENGTH = 32;

function keyOf(token: string): string {
  return token.length > KEY_LENGTH ? token.slice(-KEY_LENGTH) : token;
}

function usable(entry: Entry, now: number, versionOf: (profile: number) => number): boolean {
  return now < entry.until && now >= entry.from && entry.version === versionOf(entry.profile);
}
