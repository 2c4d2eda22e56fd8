import type { Profile } from '../config/profiles.js';
import type { AuthContext, JwtClaims, JwtHeader } from '../context/types.js';
import type { VerificationKey } from '../keys/key-set.js';
import { timeFault } from './claims.js';
import type { CheckedToken } from './verify-uncached.js';

/**
 * # The verified-token cache, and its whole contract
 *
 * **The cache only saves work.** For any sequence of requests, clock changes, key-set changes,
 * revocations and options, a verifier with the cache on answers exactly what the same verifier
 * with `cache: false` answers at that moment: same status, `code`, `reason` and context. A hit
 * skips exactly two steps of a fresh verification (`verify-uncached.ts`) — the signature check and
 * the claims schema — and only on these terms, all implemented in this file:
 *
 * 1. **Same token.** An entry is found only for the whole token, character for character (never a
 *    part of it: fast-jwt GHSA-rp9m-7r4c-75qg). Only verified tokens are stored; failures never.
 * 2. **Same moment.** Every time-dependent check — `exp`, `nbf`, `iat` in the future,
 *    `maxTokenAge` — is evaluated again on every hit, by the same function a fresh verify uses
 *    (`timeFault` in `claims.ts`). An entry that fails it is not served: the request is verified
 *    afresh and gets the fresh answer. Everything else a fresh verify checks before the keys
 *    (structure, algorithms, issuer profile, `typ`, `iss`, `aud`, required claims) depends only on
 *    the token and the options, which an entry shares with the request.
 * 3. **Same keys.** A hit stands only while the key that verified the token would still be
 *    selected for it. Configured key material (`secret` strings or bytes, `publicKey`, `jwks`) is
 *    fixed, so nothing can change. For every other source (`jwksUri`, issuer discovery, a `secret`
 *    function) a hit asks the key source for the token's keys exactly as a fresh verify would: a
 *    remote key set that is due for refresh is refreshed whether the request hits or misses, a key
 *    source that is down past `staleIfError` answers 503 to hits too, and a `secret` function is
 *    called on every request. When the verifying key is no longer among the keys selected, the
 *    request continues as a fresh verify with those same keys (the function is not called twice).
 * 4. **Revocation on every request.** The verifier checks `isRevoked` / `revocation` after a hit
 *    as after a fresh verify; the cache never answers for revocation.
 * 5. **Bounded, and cheap when it cannot help.** `maxEntries` (LRU, two generations), about
 *    64 MiB of tokens, and `maxAge`: an entry is dropped after `maxAge` whatever the token's `exp`.
 *    A token is admitted from its second verification on (below). Dropping or not admitting an
 *    entry only costs a fresh verify.
 *
 * What the cache cannot see, and therefore assumes: the `claims` schema is a pure function of the
 * payload (its output is reused), and a `secret` function returning the same string (or the same
 * `Uint8Array` object) returns the same key. A remote key withdrawn by the identity provider stops
 * verifying at the key set's next refresh (`cacheMaxAge`, or sooner on an unknown `kid`) — the
 * same moment for a cached and an uncached verifier, since both read the one shared key set.
 *
 * The differential test `packages/core/test/cache-differential.test.ts` (cache on against
 * `cache: false`, random sequences, through every adapter) is the gate for any change here or on
 * the request path.
 */

interface Entry {
  /** The whole token: a hit requires it to equal the token presented, character for character. */
  readonly token: string;
  readonly auth: AuthContext<any>;
  readonly header: JwtHeader & { alg: CheckedToken['header']['alg'] };
  readonly payload: JwtClaims;
  readonly profile: Profile;
  /** The key that verified the token (rule 3). */
  readonly key: VerificationKey;
  readonly exp: number | undefined;
  readonly nbf: number | undefined;
  readonly iat: number | undefined;
  /** Seconds: the entry is dropped at this instant (`maxAge` after it was stored). */
  readonly until: number;
  readonly bytes: number;
}

/** What a lookup concluded: the cached context, the keys a fresh verify must use, or nothing. */
export type Lookup = AuthContext<any> | readonly VerificationKey[] | undefined;

/**
 * The verified-token cache (see the contract above).
 *
 * **Cheap when it cannot help.** On a load where every lookup misses (more distinct tokens than
 * the cache holds, or tokens used once), keeping every verified token would cost more than it
 * saves: each entry survives long enough to be promoted to V8's old generation and die there. So a
 * token is admitted on its second verification within a short window (a "doorkeeper", as in
 * TinyLFU): the first sighting only writes its fingerprint into a small typed array, no allocation.
 * A token used again soon — what a cache can serve — is cached from its second use on.
 *
 * Entries are found by a 30-bit fingerprint of the token's last characters (signature bytes, which
 * no one can choose for a token that verifies): a number keys the Map without allocating or hashing
 * a string. Every hit compares the stored token with the presented one in full, so a fingerprint
 * shared by two tokens can only cause a miss, never a wrong answer.
 *
 * Recency is kept with two generations (the hashlru scheme) rather than by deleting and
 * re-inserting Map keys: new and recently used entries live in the young Map, a hit in the old
 * Map promotes the entry, and when the young Map is full it becomes the old one and the previous
 * old one is dropped whole. V8's ordered hash maps degrade badly under delete-and-re-add of the
 * same key (tens of µs per operation at 10k entries), which made a delete-based LRU slower than no
 * cache at all; this scheme never deletes and costs one or two Map lookups per hit.
 */
export class TokenCache {
  #young = new Map<number, Entry>();
  #old = new Map<number, Entry>();
  #youngBytes = 0;
  readonly #half: number;
  readonly #halfBytes: number;
  readonly #maxAge: number;
  /** Fingerprint + 1 of the last token seen in each slot (0: none): the admission doorkeeper. */
  readonly #seen: Int32Array;
  readonly #seenMask: number;

  /**
   * @param maxEntries - most tokens kept.
   * @param maxAge - seconds an entry may be served at most.
   * @param maxBytes - approximate memory bound.
   */
  constructor(maxEntries: number, maxAge: number, maxBytes = 64 * 1024 * 1024) {
    this.#half = Math.max(1, Math.floor(maxEntries / 2));
    this.#halfBytes = maxBytes / 2;
    this.#maxAge = maxAge;
    // About half as many slots as entries: a token comes back in time to be admitted when it
    // would also have stayed in the cache long enough to be served.
    let slots = 16;
    while (slots < this.#half) slots *= 2;
    this.#seen = new Int32Array(slots);
    this.#seenMask = slots - 1;
  }

  /** Number of entries held (an upper bound: a promoted entry may be counted twice). */
  get size(): number {
    return this.#young.size + this.#old.size;
  }

  /**
   * Looks `token` up at `now` (seconds) under rules 1–3: the cached context when it may be
   * served; the keys selected now when the token must be verified afresh against them (rule 3);
   * undefined for a plain miss. A rejection is the key source's, as a fresh verify would get it.
   */
  lookup(token: string, now: number): Lookup | Promise<Lookup> {
    const entry = this.#find(token, now);
    if (entry === undefined) return undefined;
    if (timeFault(entry.exp, entry.nbf, entry.iat, entry.profile.policy, now) !== undefined) return undefined;
    const source = entry.profile.keys;
    if (source.fixed) return entry.auth;
    const keys = source.keysFor(entry.header, entry.payload);
    return keys instanceof Promise ? keys.then((k) => stillSelected(entry, k)) : stillSelected(entry, keys);
  }

  /**
   * Remembers a freshly verified token, its context and the key that verified it — from the
   * token's second verification within the doorkeeper's window on (see the class notes).
   */
  set(token: string, checked: CheckedToken, auth: AuthContext<any>, key: VerificationKey, now: number): void {
    const fp = fingerprint(token);
    const slot = fp & this.#seenMask;
    if (this.#seen[slot] !== fp + 1) {
      this.#seen[slot] = fp + 1;
      return;
    }
    const { header, payload } = checked;
    this.#add(fp, {
      token,
      auth,
      header,
      payload,
      profile: checked.profile,
      key,
      exp: payload.exp as number | undefined,
      nbf: payload.nbf as number | undefined,
      iat: payload.iat as number | undefined,
      until: now + this.#maxAge,
      bytes: token.length * 4 + 512,
    });
  }

  #find(token: string, now: number): Entry | undefined {
    const key = fingerprint(token);
    let entry = this.#young.get(key);
    if (entry === undefined) {
      entry = this.#old.get(key);
      if (entry === undefined || entry.token !== token || now >= entry.until) return undefined;
      this.#add(key, entry);
      return entry;
    }
    return entry.token === token && now < entry.until ? entry : undefined;
  }

  #add(key: number, entry: Entry): void {
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

function stillSelected(entry: Entry, keys: readonly VerificationKey[]): Lookup {
  return keys.includes(entry.key) ? entry.auth : keys;
}

/** Characters of the token's end that make its fingerprint (96 bits of a signature). */
const FINGERPRINT_CHARS = 16;

/** FNV-1a over the token's last characters, to 30 bits (a V8 small integer). */
function fingerprint(token: string): number {
  const end = token.length;
  let h = 0x811c9dc5;
  for (let i = end > FINGERPRINT_CHARS ? end - FINGERPRINT_CHARS : 0; i < end; i++) {
    h = Math.imul(h ^ token.charCodeAt(i), 0x01000193);
  }
  return h & 0x3fffffff;
}
