import {
  type AuthContext,
  type AuthError,
  type AuthOutcome,
  type ClaimsOf,
  AuthError as CoreAuthError,
  checkRequest,
  createVerifier,
  type Guard,
  type GuardCarrier,
  isAuthError,
  type RegisteredClaims,
  type StandardSchemaV1,
  type TokengateOptions,
  type Verifier,
} from '@tokengate/core';
import {
  answersRefusals,
  authenticateNow,
  createGuardSet,
  createResourceMetadataEndpoint,
  type GuardBinding,
  type GuardSet,
  nodeRequest,
  outcomeOf,
} from '@tokengate/core/adapter';
import type { Context, Middleware, Next } from 'koa';
import { contextOf } from './context-of.js';

export type {
  AuthContext,
  AuthErrorCode,
  AuthErrorReason,
  JwtClaims,
  Register,
  TokengateOptions,
} from '@tokengate/core';
// WebSocket and server-sent-event connections held to the token's life (docs/connections.md).
export {
  AuthError,
  createMemoryRevocationStore,
  isAuthError,
  selectSubprotocol,
  type WatchAuthOptions,
  type WatchEndReason,
  watchAuth,
} from '@tokengate/core';

declare module 'koa' {
  interface DefaultState {
    /** The verified token's context, set by `jwtAuth()` (absent on anonymous requests). */
    auth?: AuthContext<RegisteredClaims>;
    /** With `invalidTokens: 'anonymous'`: why the token sent was not accepted. */
    authError?: AuthError;
  }
}

/** Options of the Koa {@link jwtAuth}: the core options, with `getToken` and hooks typed for `ctx`. */
export type KoaAuthOptions<S extends StandardSchemaV1 | undefined = undefined> = TokengateOptions<S, Context>;

/** The middleware returned by {@link jwtAuth}, with a typed accessor for the context it sets. */
export interface AuthMiddleware<C> extends Middleware {
  /** The verifier behind this middleware (to verify tokens outside HTTP, or `await ready()`). */
  readonly verifier: Verifier<C>;
  /**
   * The context this middleware put on `ctx.state`, typed by its `claims` schema.
   * @throws AuthError 401 when the request is not authenticated.
   */
  getAuth(ctx: Context): AuthContext<C>;
}

/**
 * Koa middleware (Koa 2 and 3) that verifies the bearer token and sets `ctx.state.auth`.
 * Failures are thrown as the {@link AuthError} itself: it carries `status`, `expose` (true for
 * 4xx; 503 messages name internal key sources) and `headers`, so Koa's default error handler answers 401/403 with `WWW-Authenticate`, and your
 * own error middleware sees the error (add {@link authErrorHandler} for JSON bodies).
 *
 * @example
 * ```ts
 * import Koa from 'koa';
 * import { jwtAuth, requireScope } from '@tokengate/koa';
 *
 * const app = new Koa();
 * app.use(jwtAuth({ issuer: 'https://idp.example.com/', audience: 'api://orders' }));
 * app.use(requireScope('orders:read'));
 * app.use((ctx) => { ctx.body = { sub: ctx.state.auth?.subject }; });
 * ```
 */
export function jwtAuth<S extends StandardSchemaV1 | undefined = undefined>(
  options: KoaAuthOptions<S>,
): AuthMiddleware<ClaimsOf<S>> {
  const verifier = createVerifier(options);
  // A plain function returning the chain (no async wrapper): one promise and one suspension less
  // per request on the hot path.
  const middleware = function tokengate(ctx: Context, next: Next): Promise<unknown> {
    // A cached token is answered at once, without a promise of its own (authenticateNow).
    const outcome = authenticateNow(verifier, nodeRequest(ctx.req, ctx, ctx.originalUrl));
    if (!(outcome instanceof Promise)) return pass(outcome, ctx, next);
    return outcome.then(
      (settled) => pass(settled, ctx, next),
      (error: unknown) => refuse(error, ctx),
    );
  };
  return Object.assign(middleware, {
    verifier,
    getAuth: (ctx: Context) => getAuth(ctx) as AuthContext<ClaimsOf<S>>,
  });
}

/** Records what `jwtAuth` concluded (both slots, always: it replaces an earlier one's context). */
function pass(outcome: AuthOutcome<unknown>, ctx: Context, next: Next): Promise<unknown> {
  ctx.state.auth = outcome.auth as AuthContext<RegisteredClaims> | undefined;
  ctx.state.authError = outcome.error;
  return next();
}

/**
 * Middleware serving the RFC 9728 Protected Resource Metadata of the API configured by
 * `resource`: `GET`/`HEAD` on its well-known path (`/.well-known/oauth-protected-resource` + the
 * resource's path) get the document built by `buildResourceMetadata` (authorization servers from
 * `issuer`/`issuers`, scopes, bearer methods), readable cross-origin and cacheable; a CORS
 * preflight gets 204; every other request is passed on. Give it the same options as
 * {@link jwtAuth}, and mount it before it (the document is public).
 *
 * @throws TypeError at start-up when `resource` is missing or malformed.
 * @example
 * ```ts
 * const auth = { issuer: 'https://idp.example.com', resource: 'https://api.example.com/mcp' };
 * app.use(protectedResourceMetadata(auth)); // GET /.well-known/oauth-protected-resource/mcp
 * app.use('/mcp', jwtAuth(auth));
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9728#section-3
 */
export function protectedResourceMetadata(options: KoaAuthOptions<any>): Middleware {
  const endpoint = createResourceMetadataEndpoint(options);
  return function tokengateResourceMetadata(ctx, next) {
    const answer = endpoint.answer(
      ctx.method,
      ctx.path,
      ctx.get('access-control-request-headers') || undefined,
    );
    if (!answer) return next();
    ctx.set(answer.headers);
    ctx.status = answer.status;
    if (answer.body !== undefined) ctx.body = answer.body;
    return Promise.resolve();
  };
}

/**
 * The context `jwtAuth()` concluded for `ctx`, typed by {@link Register}. Read from what
 * `jwtAuth()` recorded on `ctx`, so an object the app put in `ctx.state.auth` is not taken for it.
 * @throws AuthError 401 when the request is not authenticated.
 */
export function getAuth(ctx: Context): AuthContext<RegisteredClaims> {
  const auth = outcomeOf(ctx)?.auth;
  if (!auth) throw new CoreAuthError('missing_token', 'authentication is required');
  return auth;
}

/**
 * Turns a core {@link Guard} into Koa middleware that throws its {@link AuthError}. It judges
 * what `jwtAuth()` concluded about `ctx`, never `ctx.state.auth` as the app may have rewritten it.
 */
export function guard(check: Guard): GuardMiddleware {
  const middleware: Middleware = function tokengateGuard(ctx, next) {
    const error = checkRequest(check, ctx);
    if (error) return refuse(error, ctx);
    return next();
  };
  return Object.assign(middleware, { guard: check });
}

const binding: GuardBinding<[Context, Next]> = {
  framework: 'Koa',
  shape: '(ctx, next)',
  requestOf: contextOf,
  fail: (error, ctx) => refuse(error, ctx as Context),
};

/** Guard middleware: Middleware that carries the core guard it enforces (for `securityRequirement`). */
export interface GuardMiddleware extends Middleware, GuardCarrier {}

const guards: GuardSet<GuardMiddleware> = createGuardSet(guard, binding);

/** Middleware requiring every listed scope (403 `insufficient_scope`, with `scope="…"`, otherwise). */
export const requireScope = guards.requireScope;
/** Middleware requiring at least one of the listed scopes. */
export const requireAnyScope = guards.requireAnyScope;
/** Middleware requiring every listed role (403 `insufficient_role` otherwise). */
export const requireRole = guards.requireRole;
/** Middleware requiring at least one of the listed roles. */
export const requireAnyRole = guards.requireAnyRole;
/** Middleware requiring an authenticated request (useful after `credentialsRequired: false`). */
export const requireAuth = guards.requireAuth;
/** Middleware requiring the claims to satisfy a predicate or match a partial object (403 otherwise). */
export const requireClaims = guards.requireClaims;
/** Method decorator: 401 unless the request is authenticated. */
export const Authenticated = guards.Authenticated;
/** Method decorator: every listed scope is required, as {@link requireScope}. */
export const RequireScope = guards.RequireScope;
/** Method decorator: one of the listed scopes is required, as {@link requireAnyScope}. */
export const RequireAnyScope = guards.RequireAnyScope;
/** Method decorator: every listed role is required, as {@link requireRole}. */
export const RequireRole = guards.RequireRole;
/** Method decorator: one of the listed roles is required, as {@link requireAnyRole}. */
export const RequireAnyRole = guards.RequireAnyRole;
/** Method decorator: the claims must match, as {@link requireClaims}. */
export const RequireClaims = guards.RequireClaims;

/**
 * Error middleware that renders tokengate errors as JSON (`{ error, code, error_description }`)
 * with their status and `WWW-Authenticate`/`Retry-After` headers; other errors are rethrown.
 * Without it, Koa's default handler answers with the same status and headers and a text body.
 *
 * @example `app.use(authErrorHandler()); app.use(jwtAuth({ secret }));`
 */
export function authErrorHandler(): Middleware {
  return async function tokengateErrorHandler(ctx, next) {
    try {
      await next();
    } catch (error) {
      if (!isAuthError(error) || ctx.headerSent) throw error;
      send(error, ctx);
    }
  };
}

function send(error: AuthError, ctx: Context): void {
  ctx.status = error.status;
  ctx.set(error.headers);
  ctx.body = error.toJSON();
}

/**
 * A refusal of `ctx`: answered in place with `refusals: 'respond'` (the same status, headers and
 * JSON body as {@link authErrorHandler}), else thrown to Koa's error path.
 */
function refuse(error: unknown, ctx: Context): Promise<void> {
  if (isAuthError(error) && answersRefusals(ctx) && !ctx.headerSent) {
    send(error, ctx);
    return Promise.resolve();
  }
  throw error;
}

export { backchannelLogout } from './backchannel-logout.js';
export {
  type RoutingControllersAction,
  type RoutingControllersAuth,
  type RoutingControllersRefusal,
  routingControllersAuth,
} from './routing-controllers.js';
