import type { JwtClaims, JwtHeader } from '../context/types.js';
import type { IssuerOptions, IssuerResolver } from './issuer-options.js';

/**
 * `issuers` as a function, answered once per issuer: the profile built from each answer is kept
 * (at most {@link RESOLVED_LIMIT} issuers, least recently used forgotten first), a refusal is
 * kept for {@link REFUSAL_TTL_MS} (at most {@link REFUSED_LIMIT}, oldest forgotten first, so a
 * flood of made-up issuers can neither grow memory nor push out the issuers in use), and
 * concurrent tokens of one unanswered issuer share one call. Nothing is fetched for an issuer the
 * function refuses: key sources are built only from an answer.
 */

/** Most issuers whose profiles are kept. */
export const RESOLVED_LIMIT = 1_000;
/** Most refused issuers remembered. */
export const REFUSED_LIMIT = 1_000;
/** How long a refusal is remembered, in milliseconds (a tenant added since is found after it). */
export const REFUSAL_TTL_MS = 60_000;

/** The issuer profiles an `issuers` function's answers become. */
export class IssuerResolverCache<P> {
  readonly #resolve: IssuerResolver;
  readonly #build: (answer: IssuerOptions, iss: string) => P;
  readonly #now: () => number;
  // Two generations (as the token cache): a hit in `old` moves the profile to `young`; when
  // `young` is full it becomes `old`, and the previous `old` is forgotten whole.
  #young = new Map<string, P>();
  #old = new Map<string, P>();
  readonly #refused = new Map<string, number>();
  readonly #pending = new Map<string, Promise<P | undefined>>();

  constructor(
    resolve: IssuerResolver,
    build: (answer: IssuerOptions, iss: string) => P,
    now: () => number = Date.now,
  ) {
    this.#resolve = resolve;
    this.#build = build;
    this.#now = now;
  }

  /** Issuers held: profiles and remembered refusals (for tests and the bench of the bound). */
  get size(): { readonly resolved: number; readonly refused: number; readonly pending: number } {
    return {
      resolved: this.#young.size + this.#old.size,
      refused: this.#refused.size,
      pending: this.#pending.size,
    };
  }

  /**
   * The profile of `iss` (synchronously once answered), or `undefined` when the function refuses
   * it. A function that throws, or answers with invalid options, rejects (the app's bug); nothing
   * is remembered then.
   */
  get(iss: string, header: JwtHeader, payload: JwtClaims): P | undefined | Promise<P | undefined> {
    const young = this.#young.get(iss);
    if (young !== undefined) return young;
    const old = this.#old.get(iss);
    if (old !== undefined) {
      this.#keep(iss, old);
      return old;
    }
    const refusedUntil = this.#refused.get(iss);
    if (refusedUntil !== undefined) {
      if (this.#now() < refusedUntil) return undefined;
      this.#refused.delete(iss);
    }
    let pending = this.#pending.get(iss);
    if (pending === undefined) {
      pending = this.#ask(iss, header, payload);
      this.#pending.set(iss, pending);
      const forget = () => this.#pending.delete(iss);
      pending.then(forget, forget);
    }
    return pending;
  }

  async #ask(iss: string, header: JwtHeader, payload: JwtClaims): Promise<P | undefined> {
    const answer = await this.#resolve({ iss, header, payload });
    if (answer === undefined || answer === null) {
      if (this.#refused.size >= REFUSED_LIMIT) this.#refused.delete(this.#refused.keys().next().value!);
      this.#refused.set(iss, this.#now() + REFUSAL_TTL_MS);
      return undefined;
    }
    if (typeof answer !== 'object') {
      throw new TypeError('tokengate: option "issuers" (a function) must return issuer options or undefined');
    }
    const profile = this.#build(answer, iss);
    this.#keep(iss, profile);
    return profile;
  }

  #keep(iss: string, profile: P): void {
    if (this.#young.size >= RESOLVED_LIMIT / 2) {
      this.#old = this.#young;
      this.#young = new Map();
    }
    this.#young.set(iss, profile);
  }
}
