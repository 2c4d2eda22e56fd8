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
import type { ErrorRequestHandler, NextFunction, Request, RequestHandler, Response } from 'express';
import { isRequest } from './is-request.js';

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

declare global {
  namespace Express {
    interface Request {
      /** The verified token's context, set by `jwtAuth()` (absent on anonymous requests). */
      auth?: AuthContext<RegisteredClaims>;
      /** With `invalidTokens: 'anonymous'`: why the token sent was not accepted. */
      authError?: AuthError;
    }
  }
}

/** Options of the Express {@link jwtAuth}: the core options, with `getToken` and hooks typed for `req`. */
export type ExpressAuthOptions<S extends StandardSchemaV1 | undefined = undefined> = TokengateOptions<
  S,
  Request
>;

/** The middleware returned by {@link jwtAuth}, with a typed accessor for the context it sets. */
export interface AuthMiddleware<C> extends RequestHandler {
  /** The verifier behind this middleware (to verify tokens outside HTTP, or `await ready()`). */
  readonly verifier: Verifier<C>;
  /**
   * The context this middleware put on `req`, typed by its `claims` schema.
   * @throws AuthError 401 when the request is not authenticated.
   */
  getAuth(req: Request): AuthContext<C>;
}

/**
 * Express middleware that verifies the bearer token and sets `req.auth`. Failures are
 * {@link AuthError}s carrying `status` and `headers`: when the app has an error handler (a
 * four-argument middleware), they go to `next(err)` for it; otherwise they are answered here as
 * {@link authErrorHandler} renders them (JSON, the status and `WWW-Authenticate`), so the
 * smallest app answers a clean 401/403 and logs nothing for ordinary auth failures.
 *
 * @example
 * ```ts
 * import express from 'express';
 * import { jwtAuth, requireScope, authErrorHandler } from '@tokengate/express';
 *
 * const app = express();
 * app.use(jwtAuth({ issuer: 'https://idp.example.com/', audience: 'api://orders' }));
 * app.get('/orders', requireScope('orders:read'), (req, res) => res.json({ sub: req.auth?.subject }));
 * app.use(authErrorHandler());
 * ```
 */
export function jwtAuth<S extends StandardSchemaV1 | undefined = undefined>(
  options: ExpressAuthOptions<S>,
): AuthMiddleware<ClaimsOf<S>> {
  const verifier = createVerifier(options);
  const middleware = function tokengate(req: Request, res: Response, next: NextFunction): void {
    // A cached token is answered at once: `next()` in this turn, no promise (authenticateNow).
    const outcome = authenticateNow(verifier, nodeRequest(req, req, req.originalUrl));
    if (!(outcome instanceof Promise)) {
      pass(outcome, req, next);
      return;
    }
    outcome.then(
      (settled) => pass(settled, req, next),
      (error: unknown) => fail(error, req, res, next),
    );
  };
  return Object.assign(middleware, {
    verifier,
    getAuth: (req: Request) => getAuth(req) as AuthContext<ClaimsOf<S>>,
  });
}

/** Records what `jwtAuth` concluded (both slots, always: it replaces an earlier one's context). */
function pass(outcome: AuthOutcome<unknown>, req: Request, next: NextFunction): void {
  req.auth = outcome.auth as AuthContext<RegisteredClaims> | undefined;
  req.authError = outcome.error;
  next();
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
export function protectedResourceMetadata(options: ExpressAuthOptions<any>): RequestHandler {
  const endpoint = createResourceMetadataEndpoint(options);
  return function tokengateResourceMetadata(req, res, next) {
    const answer = endpoint.answer(req.method, req.originalUrl, req.get('access-control-request-headers'));
    if (!answer) return next();
    res.status(answer.status).set(answer.headers);
    if (answer.body === undefined) res.end();
    else res.send(answer.body);
  };
}

/**
 * The context `jwtAuth()` concluded for `req`, typed by {@link Register}; for code that prefers
 * a function over `req.auth`. Read from what `jwtAuth()` recorded on the request, so an object
 * the app put in `req.auth` is not taken for it.
 * @throws AuthError 401 when the request is not authenticated.
 */
export function getAuth(req: Request): AuthContext<RegisteredClaims> {
  const auth = outcomeOf(req)?.auth;
  if (!auth) throw new CoreAuthError('missing_token', 'authentication is required');
  return auth;
}

/**
 * Turns a core {@link Guard} into Express middleware. It judges what `jwtAuth()` concluded about
 * the request, never `req.auth` as the app may have rewritten it.
 */
export function guard(check: Guard): GuardMiddleware {
  const middleware: RequestHandler = function tokengateGuard(req, res, next) {
    const error = checkRequest(check, req);
    if (error) fail(error, req, res, next);
    else next();
  };
  return Object.assign(middleware, { guard: check });
}

const binding: GuardBinding<[Request, Response, NextFunction]> = {
  framework: 'Express',
  shape: '(req, res, next)',
  requestOf: (value) => (isRequest(value) ? value : undefined),
  fail: (error, request, [req, res, next]) => {
    // Called as Express calls handlers: answer as the guard middleware does. Otherwise (NestJS's
    // `@Req()`, a method called by the app with `req` alone) throw, to the caller's error path.
    if (req === request && res === req.res && typeof next === 'function') return fail(error, req, res, next);
    throw error;
  },
};

/** Guard middleware: RequestHandler that carries the core guard it enforces (for `securityRequirement`). */
export interface GuardMiddleware extends RequestHandler, GuardCarrier {}

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
 * Error handler that renders tokengate errors as JSON (`{ error, code, error_description }`)
 * with their status and `WWW-Authenticate`/`Retry-After` headers; other errors pass on.
 *
 * Without any error handler in the app, `jwtAuth()` and the guards answer the same way
 * themselves; add this one to keep that answer when the app also has error handlers of its own
 * (placed before them), or let those handlers shape the body.
 *
 * @example `app.use(authErrorHandler());`
 */
export function authErrorHandler(): ErrorRequestHandler {
  return function tokengateErrorHandler(err, _req, res, next) {
    if (!isAuthError(err) || res.headersSent) {
      next(err);
      return;
    }
    send(err, res);
  };
}

function send(error: AuthError, res: Response): void {
  res.status(error.status).set(error.headers).json(error.toJSON());
}

/**
 * Where a failure goes. With `refusals: 'respond'`, a refusal is answered here. If the app has an error handler (a four-argument middleware, Express's
 * own test) anywhere it or a parent app mounts, `next(err)`, so that handler decides. Otherwise
 * the error would reach Express's final handler, which answers with an HTML page and logs
 * every 401 on stderr: then an {@link AuthError} is answered here, as {@link authErrorHandler}
 * would. Anything else (a throwing `secret` function: the app's bug) always goes to `next`.
 */
function fail(error: unknown, req: Request, res: Response, next: NextFunction): void {
  if (
    isAuthError(error) &&
    typeof res.status === 'function' &&
    !res.headersSent &&
    (answersRefusals(req) || !hasErrorHandler(req))
  ) {
    send(error, res);
  } else next(error);
}

interface LayerLike {
  handle?: { length: number; stack?: unknown };
  route?: { stack?: unknown };
}

function hasErrorHandler(req: Request): boolean {
  for (let app = req.app as { parent?: unknown } | undefined; app; app = app.parent as typeof app) {
    // Express 4 keeps the router in `_router` (its `router` getter throws); Express 5 in `router`.
    const router = ('_router' in app ? app._router : (app as { router?: unknown }).router) as
      | { stack?: unknown }
      | undefined;
    if (stackHasErrorHandler(router?.stack, 0)) return true;
  }
  return false;
}

function stackHasErrorHandler(stack: unknown, depth: number): boolean {
  if (!Array.isArray(stack) || depth > 16) return false;
  return (stack as LayerLike[]).some(
    (layer) =>
      layer.handle?.length === 4 ||
      stackHasErrorHandler(layer.route?.stack, depth + 1) ||
      stackHasErrorHandler(layer.handle?.stack, depth + 1),
  );
}

export { backchannelLogout } from './backchannel-logout.js';
export {
  type RoutingControllersAction,
  type RoutingControllersAuth,
  type RoutingControllersRefusal,
  routingControllersAuth,
} from './routing-controllers.js';
