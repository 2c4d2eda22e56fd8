import type { AuthContext, RegisteredClaims } from '../context/types.js';
import type { GuardCarrier } from '../oauth/openapi.js';
import { type GuardBinding, guardDecorator, type HandlerDecorator } from './decorators.js';
import {
  type Guard,
  requireAnyRole,
  requireAnyScope,
  requireAuth,
  requireClaims,
  requireRole,
  requireScope,
} from './guards.js';

/** What `requireClaims` checks: a predicate over the whole context, or a partial claims object. */
export type ClaimsExpectation = ((auth: AuthContext<RegisteredClaims>) => boolean) | Record<string, unknown>;

/**
 * The guards of one adapter, as route middleware `M` (each carrying its core {@link Guard} as
 * `.guard`, for OpenAPI) and as method decorators for class-based handlers. Every adapter exports
 * exactly this set, built by {@link createGuardSet}.
 */
export interface GuardSet<M> {
  /** Middleware requiring every listed scope (403 `insufficient_scope`, with `scope="…"`, otherwise). */
  requireScope(...scopes: string[]): M & GuardCarrier;
  /** Middleware requiring at least one of the listed scopes. */
  requireAnyScope(...scopes: string[]): M & GuardCarrier;
  /** Middleware requiring every listed role (403 `insufficient_role` otherwise). */
  requireRole(...roles: string[]): M & GuardCarrier;
  /** Middleware requiring at least one of the listed roles. */
  requireAnyRole(...roles: string[]): M & GuardCarrier;
  /** Middleware requiring an authenticated request (useful after `credentialsRequired: false`). */
  requireAuth(): M & GuardCarrier;
  /** Middleware requiring the claims to satisfy a predicate or match a partial object (403 otherwise). */
  requireClaims(expected: ClaimsExpectation): M & GuardCarrier;
  /** Method decorator: 401 unless the request is authenticated. */
  Authenticated(): HandlerDecorator;
  /** Method decorator: every listed scope is required, as `requireScope`. */
  RequireScope(...scopes: string[]): HandlerDecorator;
  /** Method decorator: one of the listed scopes is required, as `requireAnyScope`. */
  RequireAnyScope(...scopes: string[]): HandlerDecorator;
  /** Method decorator: every listed role is required, as `requireRole`. */
  RequireRole(...roles: string[]): HandlerDecorator;
  /** Method decorator: one of the listed roles is required, as `requireAnyRole`. */
  RequireAnyRole(...roles: string[]): HandlerDecorator;
  /** Method decorator: the claims must match, as `requireClaims`. */
  RequireClaims(expected: ClaimsExpectation): HandlerDecorator;
}

/**
 * Builds an adapter's {@link GuardSet} from its two translations: how a core guard becomes
 * middleware, and how a decorated handler finds the context and fails.
 *
 * @example
 * ```ts
 * export const { requireScope, RequireScope, ... } = createGuardSet(guard, {
 *   getAuth: ([req]) => req.auth,
 *   fail: (error, [, , next]) => next(error),
 * });
 * ```
 */
export function createGuardSet<M, Args extends readonly unknown[]>(
  toMiddleware: (guard: Guard) => M & GuardCarrier,
  binding: GuardBinding<Args>,
): GuardSet<M> {
  return {
    requireScope: (...scopes) => toMiddleware(requireScope(...scopes)),
    requireAnyScope: (...scopes) => toMiddleware(requireAnyScope(...scopes)),
    requireRole: (...roles) => toMiddleware(requireRole(...roles)),
    requireAnyRole: (...roles) => toMiddleware(requireAnyRole(...roles)),
    requireAuth: () => toMiddleware(requireAuth()),
    requireClaims: (expected) => toMiddleware(requireClaims(expected)),
    Authenticated: () => guardDecorator(requireAuth(), binding),
    RequireScope: (...scopes) => guardDecorator(requireScope(...scopes), binding),
    RequireAnyScope: (...scopes) => guardDecorator(requireAnyScope(...scopes), binding),
    RequireRole: (...roles) => guardDecorator(requireRole(...roles), binding),
    RequireAnyRole: (...roles) => guardDecorator(requireAnyRole(...roles), binding),
    RequireClaims: (expected) => guardDecorator(requireClaims(expected), binding),
  };
}
