import type { Answer } from './answer.js';

/**
 * # The introspection cache, and its whole contract
 *
 * It only saves round trips: the answer it gives back is the answer the authorization server
 * gave, and every check of that answer (`exp`, `aud`, `iss`, `token_type`, revocation, DPoP) runs
 * again on each request with that request's clock (`answer.ts`, `introspector.ts`). What it
 * cannot see is the server changing its mind; so:
 *
 * 1. **Keyed by a hash.** Entries are found by the base64url SHA-256 of the token; the token
 *    itself is never stored here (nor in a shared store).
 * 2. **Never past `exp`.** An active answer is kept until `cacheMaxAge` after it arrived or its
 *    `exp`, whichever comes first; a token revoked at the server is refused here at most
 *    `cacheMaxAge` later.
 * 3. **Refusals briefly.** An `active: false` answer is kept 10 s (or `cacheMaxAge` when
 *    shorter), so a flood of bad tokens costs the server one request per token per 10 s.
 * 4. **Failures never.** A server that could not answer is asked again by the next request.
 * 5. **Bounded.** At most `maxEntries` answers (the oldest dropped first).
 * 6. **One request in flight per token.** Concurrent requests with the same token wait for the
 *    same answer ({@link IntrospectionCache.flight}).
 *
 * The differential test `packages/core/test/oauth/introspection/differential.test.ts` (cached
 * against `cacheMaxAge: 0`, random sequences of tokens and clock moves) is its gate.
 */

/** Seconds an `active: false` answer is reused at most. */
export const REFUSAL_MAX_AGE = 10;

interface Entry {
  readonly answer: Answer;
  /** Seconds since the epoch: the entry is not served from this instant on. */
  readonly until: number;
}

/** How long an answer received at `now` may be reused (seconds since the epoch), per rules 2–3. */
export function reuseUntil(answer: Answer, now: number, maxAge: number): number {
  if (answer === null) return now + Math.min(maxAge, REFUSAL_MAX_AGE);
  const exp = answer.exp;
  const until = now + maxAge;
  return typeof exp === 'number' && exp < until ? exp : until;
}

/** The in-process cache of one introspecting profile (see the contract above). */
export class IntrospectionCache {
  readonly #entries = new Map<string, Entry>();
  readonly #flights = new Map<string, Promise<Answer>>();
  readonly #maxEntries: number;

  constructor(maxEntries: number) {
    this.#maxEntries = maxEntries;
  }

  /** Number of answers held. */
  get size(): number {
    return this.#entries.size;
  }

  /** The answer for `hash` if it may be reused at `now` (seconds), else `undefined`. */
  get(hash: string, now: number): Entry | undefined {
    const entry = this.#entries.get(hash);
    if (entry === undefined) return undefined;
    if (now < entry.until) return entry;
    this.#entries.delete(hash);
    return undefined;
  }

  /** Keeps `answer` for `hash` until `until` (nothing when that is not after `now`). */
  set(hash: string, answer: Answer, until: number, now: number): void {
    if (!(until > now)) return;
    if (this.#entries.has(hash)) this.#entries.delete(hash);
    else if (this.#entries.size >= this.#maxEntries) this.#entries.delete(this.#entries.keys().next().value!);
    this.#entries.set(hash, { answer, until });
  }

  /** Runs `ask` unless a request for `hash` is already in flight, whose answer is then shared. */
  flight(hash: string, ask: () => Promise<Answer>): Promise<Answer> {
    let pending = this.#flights.get(hash);
    if (pending === undefined) {
      pending = ask().finally(() => this.#flights.delete(hash));
      this.#flights.set(hash, pending);
    }
    return pending;
  }
}
