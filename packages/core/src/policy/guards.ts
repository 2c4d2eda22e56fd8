import type { AuthContext } from '../context/types.js';
import { AuthError } from '../errors/auth-error.js';
import type { DpopChallenge } from '../errors/challenge.js';
import { noteGuardScopes } from './known-scopes.js';

interface ChallengeSettings {
  readonly realm: string | undefined;
  readonly resourceMetadata: string | undefined;
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

const challenges = new WeakMap<object, ChallengeSettings>();

/**
 * Records the `realm` and `resource_metadata` of the middleware that authenticated `auth`, so
 * guard failures announce them too.
 */
export function rememberChallenge(auth: AuthContext<any>, settings: ChallengeSettings): void {
  if (settings.realm !== undefined || settings.resourceMetadata !== undefined || settings.dpop !== undefined)
    challenges.set(auth, settings);
}

const anonymous = new WeakMap<object, ChallengeSettings>();

/**
 * Records the `realm` and `resource_metadata` of a middleware that let `request` (the
 * framework's `req`, `ctx` or `c`) through without a context, so a guard that then refuses it
 * with a 401 announces them too.
 */
export function rememberAnonymousChallenge(request: unknown, settings: ChallengeSettings): void {
  if (
    typeof request === 'object' &&
    request !== null &&
    (settings.realm !== undefined || settings.resourceMetadata !== undefined || settings.dpop !== undefined)
  ) {
    anonymous.set(request, settings);
  }
}

function withRealm(auth: AuthContext<any>, error: AuthError | undefined): AuthError | undefined {
  const settings = error && challenges.get(auth);
  return settings === undefined
    ? error
    : error!.withChallenge(
        settings.realm,
        settings.resourceMetadata,
        settings.dpop?.challenges[auth.binding],
      );
}

/**
 * A pure authorization check, shared by every adapter's guard middleware and decorators:
 * `check` returns the error to answer with, or `undefined` when the request may proceed.
 * Without an auth context the answer is 401; a failed check is 403.
 */
export interface Guard {
  /** What kind of guard this is. */
  readonly kind: 'authenticated' | 'scope' | 'role' | 'claims';
  /** Scopes the guard asks for (scope guards), for OpenAPI and the challenge. */
  readonly scopes: readonly string[];
  /** Roles the guard asks for (role guards). */
  readonly roles: readonly string[];
  /** `'all'` or `'any'` of the listed scopes/roles. */
  readonly mode: 'all' | 'any';
  /**
   * The decision. `request` (the framework's `req`, `ctx` or `c`) lets a 401 for a request
   * without a context announce the `realm` and `resource_metadata` of the `jwtAuth` it passed.
   */
  check(auth: AuthContext<any> | undefined, request?: unknown): AuthError | undefined;
}

function names(values: readonly string[], what: string, guard: string): readonly string[] {
  if (values.length === 0 || values.some((v) => typeof v !== 'string' || v === '')) {
    throw new TypeError(`tokengate: ${guard}() needs at least one ${what} name`);
  }
  return Object.freeze([...values]);
}

function unauthenticated(request: unknown): AuthError {
  const error = new AuthError('missing_token', 'authentication is required');
  const settings = typeof request === 'object' && request !== null ? anonymous.get(request) : undefined;
  return settings
    ? error.withChallenge(settings.realm, settings.resourceMetadata, settings.dpop?.challenges.none)
    : error;
}

function setGuard(
  kind: 'scope' | 'role',
  mode: 'all' | 'any',
  wanted: readonly string[],
  guardName: string,
): Guard {
  const list = names(wanted, kind, guardName);
  if (kind === 'scope') noteGuardScopes(list);
  const field = kind === 'scope' ? 'scopes' : 'roles';
  const message =
    kind === 'scope'
      ? `token lacks ${mode === 'all' ? 'a required scope' : 'any of the accepted scopes'}`
      : `token lacks ${mode === 'all' ? 'a required role' : 'any of the accepted roles'}`;
  return {
    kind,
    scopes: kind === 'scope' ? list : [],
    roles: kind === 'role' ? list : [],
    mode,
    check(auth, request) {
      if (!auth) return unauthenticated(request);
      const held = auth[field];
      const ok = mode === 'all' ? list.every((v) => held.has(v)) : list.some((v) => held.has(v));
      if (ok) return undefined;
      return withRealm(
        auth,
        kind === 'scope'
          ? new AuthError('insufficient_scope', message, { scope: list })
          : new AuthError('insufficient_role', message),
      );
    },
  };
}

/**
 * Requires every listed scope (403 `insufficient_scope` with `scope="…"` otherwise).
 * @example `app.get('/orders', requireScope('orders:read'), handler)`
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3.1
 */
export function requireScope(...scopes: string[]): Guard {
  return setGuard('scope', 'all', scopes, 'requireScope');
}

/** Requires at least one of the listed scopes. */
export function requireAnyScope(...scopes: string[]): Guard {
  return setGuard('scope', 'any', scopes, 'requireAnyScope');
}

/** Requires every listed role (403 `insufficient_role` otherwise). */
export function requireRole(...roles: string[]): Guard {
  return setGuard('role', 'all', roles, 'requireRole');
}

/** Requires at least one of the listed roles. */
export function requireAnyRole(...roles: string[]): Guard {
  return setGuard('role', 'any', roles, 'requireAnyRole');
}

/** Requires an authenticated request (401 otherwise); useful after `credentialsRequired: false`. */
export function requireAuth(): Guard {
  return {
    kind: 'authenticated',
    scopes: [],
    roles: [],
    mode: 'all',
    check: (auth, request) => (auth ? undefined : unauthenticated(request)),
  };
}

function matches(actual: unknown, expected: unknown): boolean {
  if (expected === null || typeof expected !== 'object') {
    if (Array.isArray(actual)) return actual.includes(expected);
    return Object.is(actual, expected);
  }
  if (Array.isArray(expected)) {
    return Array.isArray(actual) && expected.every((item) => actual.some((a) => matches(a, item)));
  }
  if (actual === null || typeof actual !== 'object') return false;
  return Object.entries(expected).every(
    ([key, value]) => Object.hasOwn(actual, key) && matches((actual as Record<string, unknown>)[key], value),
  );
}

/**
 * Requires the token to satisfy a predicate (which receives the whole context) or its verified
 * `payload` to match a partial object: primitives compare with `Object.is` (or membership when
 * the claim is an array), arrays must all be contained, objects match recursively. The partial
 * object is matched against `auth.payload`, never the `claims` schema's output, so a schema that
 * drops or rewrites a member cannot change the decision.
 *
 * @example
 * ```ts
 * requireClaims({ tenant: 'acme', email_verified: true });
 * requireClaims((auth) => auth.claims.org_id === 'org_1');
 * ```
 */
export function requireClaims<C = any>(
  expected: ((auth: AuthContext<C>) => boolean) | Record<string, unknown>,
): Guard {
  if (typeof expected !== 'function' && (typeof expected !== 'object' || expected === null)) {
    throw new TypeError('tokengate: requireClaims() needs a predicate or a partial claims object');
  }
  return {
    kind: 'claims',
    scopes: [],
    roles: [],
    mode: 'all',
    check(auth, request) {
      if (!auth) return unauthenticated(request);
      const ok =
        typeof expected === 'function'
          ? expected(auth as AuthContext<C>) === true
          : matches(auth.payload, expected);
      return ok
        ? undefined
        : withRealm(auth, new AuthError('insufficient_claims', 'token claims do not satisfy this route'));
    },
  };
}
