import type { AuthContext, RegisteredClaims } from '../context/types.js';
import type { AuthError } from '../errors/auth-error.js';
import type { DpopChallenge } from '../errors/challenge.js';

/**
 * How refusals of a request are announced: the `realm`, the RFC 9728 `resource_metadata` URL and
 * the DPoP challenges of the `jwtAuth` that looked at it (its resolved settings).
 */
export interface ChallengeSettings {
  /** The `realm` option. */
  readonly realm: string | undefined;
  /** The `refusals` option: `'respond'` when a refusal is answered in place, never thrown. */
  readonly refusals?: 'error' | 'respond';
  /** The RFC 9728 metadata URL derived from the `resource` option. */
  readonly resourceMetadata: string | undefined;
  /** With DPoP on: the challenge that goes with each way a token was (or was not) presented. */
  readonly dpop?:
    | {
        readonly challenges: {
          readonly bearer: DpopChallenge;
          readonly dpop: DpopChallenge;
          readonly none: DpopChallenge;
        };
      }
    | undefined;
}

/**
 * What `authenticate` concluded about a request.
 * - `auth` set: authenticated.
 * - `auth` undefined, `error` undefined: no credentials, allowed by `credentialsRequired: false`
 *   (or a CORS preflight, which always passes untouched).
 * - `auth` undefined, `error` set: a bad token let through by `invalidTokens: 'anonymous'` (or,
 *   kept on the request only, a refusal).
 *
 * An adapter stores both fields, always, in its framework's slots (`req.auth`/`req.authError`,
 * `ctx.state.auth`/`ctx.state.authError`, `c.var.auth`/`c.var.authError`), undefined ones
 * included: after a `jwtAuth` runs, the slots hold exactly what it concluded, and an earlier
 * `jwtAuth`'s context never survives a later one that did not authenticate.
 */
export interface AuthOutcome<C> {
  /** The verified context, when the request is authenticated. */
  readonly auth: AuthContext<C> | undefined;
  /** Why the token sent was not accepted, when it was let through anyway (or refused). */
  readonly error: AuthError | undefined;
  /** How a guard that refuses this request announces it (`realm`, `resource_metadata`, DPoP). */
  readonly challenge: ChallengeSettings;
}

/**
 * The one place an outcome lives: a property of the framework's request object (`req`, `ctx`,
 * `c`) under this module-private symbol, holding a {@link Outcome} (a class whose private field
 * nothing else can create). Request input (JSON, query strings, parameters, headers) can carry
 * neither, and an app that copies an object into `req.auth` changes nothing here. A property, not
 * a WeakMap: a WeakMap entry per request costs about a microsecond of GC work (ephemerons).
 */
const OUTCOME = Symbol('tokengate.outcome');

/**
 * The property key under which `authenticate` records its outcome on a request. A
 * framework that declares request properties up front (Fastify's `decorateRequest`) declares it,
 * so that recording does not change the request object's shape on every request. Knowing the key
 * forges nothing: {@link outcomeOf} accepts only records `authenticate` made.
 */
export const OUTCOME_SLOT: symbol = OUTCOME;

class Outcome<C> implements AuthOutcome<C> {
  readonly #auth: AuthContext<C> | undefined;
  readonly #error: AuthError | undefined;
  readonly #challenge: ChallengeSettings;

  constructor(auth: AuthContext<C> | undefined, error: AuthError | undefined, challenge: ChallengeSettings) {
    this.#auth = auth;
    this.#error = error;
    this.#challenge = challenge;
  }

  get auth(): AuthContext<C> | undefined {
    return this.#auth;
  }

  get error(): AuthError | undefined {
    return this.#error;
  }

  get challenge(): ChallengeSettings {
    return this.#challenge;
  }

  /** Whether `value` was made by this class (request input and app code cannot make one). */
  static is(value: unknown): value is Outcome<any> {
    return typeof value === 'object' && value !== null && #auth in value;
  }
}

/**
 * Records what `authenticate` concluded about `raw` (the framework's request) and returns it.
 * A later call for the same request replaces it. A `raw` that is not an object (or is frozen)
 * keeps nothing: guards then see no context (401), failing closed.
 */
export function attachOutcome<C>(
  raw: unknown,
  auth: AuthContext<C> | undefined,
  error: AuthError | undefined,
  challenge: ChallengeSettings,
): AuthOutcome<C> {
  const outcome = new Outcome(auth, error, challenge);
  if (typeof raw === 'object' && raw !== null) {
    try {
      (raw as { [OUTCOME]?: unknown })[OUTCOME] = outcome;
    } catch {
      // A frozen object: nothing is recorded, so nothing is trusted.
    }
  }
  return outcome;
}

/**
 * What `jwtAuth` (through `authenticate`) concluded about `request`, the framework's own request
 * object (`req`, `ctx`, `c`): the only context guards, decorators and `getAuth` trust. Undefined
 * when no `jwtAuth` looked at this object — including any look-alike: a parsed body, a query or
 * parameter object, headers, or an `auth` member an app copied from request input.
 *
 * @example
 * ```ts
 * const auth = outcomeOf(req)?.auth; // never `req.auth` as the app may have rewritten it
 * ```
 */
export function outcomeOf(request: unknown): AuthOutcome<RegisteredClaims> | undefined {
  if (typeof request !== 'object' || request === null) return undefined;
  const outcome = (request as { [OUTCOME]?: unknown })[OUTCOME];
  return Outcome.is(outcome) ? outcome : undefined;
}

/**
 * Whether a refusal of `request` is answered in place (the `refusals: 'respond'` option of the
 * `jwtAuth` that looked at it) rather than handed to the framework's error path.
 */
export function answersRefusals(request: unknown): boolean {
  return outcomeOf(request)?.challenge.refusals === 'respond';
}
