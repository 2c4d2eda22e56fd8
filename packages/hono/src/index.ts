// Hono's translation of the core: middleware, guards, errors. Over 300 lines only by the TSDoc of its exports.
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
  type RequestLike,
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
  type NodeRequestShape,
  nodeRequest,
  outcomeOf,
} from '@tokengate/core/adapter';
import type { Context, Env, ErrorHandler, MiddlewareHandler, Next } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

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

/** The Hono `Env` that {@link jwtAuth} adds: `c.var.auth` (and `c.var.authError`). */
export interface AuthEnv<C = RegisteredClaims, A extends AuthContext<C> | undefined = AuthContext<C>> {
  Variables: {
    /** The verified token's context. */
    auth: A;
    /** With `invalidTokens: 'anonymous'`: why the token sent was not accepted. */
    authError: AuthError | undefined;
  };
}

/** Options of the Hono {@link jwtAuth}: the core options, with `getToken` and hooks typed for `c`. */
export type HonoAuthOptions<S extends StandardSchemaV1 | undefined = undefined> = TokengateOptions<
  S,
  Context
>;

/** The middleware returned by {@link jwtAuth}. */
export type AuthMiddleware<C, A extends AuthContext<C> | undefined = AuthContext<C>> = MiddlewareHandler<
  AuthEnv<C, A>
> & {
  /** The verifier behind this middleware (to verify tokens outside HTTP, or `await ready()`). */
  readonly verifier: Verifier<C>;
};

function responseOf(error: AuthError): Response {
  return new Response(JSON.stringify(error.toJSON()), {
    status: error.status,
    headers: { ...error.headers, 'Content-Type': 'application/json' },
  });
}

/**
 * The `HTTPException` tokengate throws. Refusing a token is ordinary control flow, so it is made
 * cheap: no stack is captured, and `getResponse()` builds the response from a string and a plain
 * header object (Hono's own `getResponse()` re-wraps `res.body`, a stream, which @hono/node-server
 * then has to pipe: with the stack, that made a rejection cost several times a bare route).
 */
class AuthHTTPException extends HTTPException {
  override getResponse(): Response {
    return responseOf(this.cause as AuthError);
  }
}

/**
 * Wraps an {@link AuthError} in the `HTTPException` Hono renders: its response (`getResponse()`,
 * also `res`) has the error's status, `WWW-Authenticate` (or `Retry-After`) header and JSON body;
 * `cause` is the error.
 */
export function toHTTPException(error: AuthError): HTTPException {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  const exception = new AuthHTTPException(error.status, { message: error.message, cause: error });
  Error.stackTraceLimit = limit;
  // `res` for code that reads it directly, built only if it does.
  let res: Response | undefined;
  Object.defineProperty(exception, 'res', { get: () => (res ??= responseOf(error)), configurable: true });
  return exception;
}

/**
 * A refusal of `c`: with `refusals: 'respond'`, the response itself (a middleware that returns a
 * response ends the request there); otherwise thrown as the `HTTPException` carrying it.
 */
function refuse(error: unknown, c: Context): Response {
  if (!isAuthError(error)) throw error;
  if (answersRefusals(c)) return responseOf(error);
  throw toHTTPException(error);
}

/** Reads a Hono request for the core; on @hono/node-server the raw header lines are counted too. */
function honoRequest(c: Context): RequestLike<Context> {
  // On @hono/node-server the Node request is at hand: reading it directly avoids building a
  // Fetch `Headers` object per request, and its raw header lines reveal a second Authorization.
  const incoming = (c.env as { incoming?: NodeRequestShape } | undefined)?.incoming;
  if (incoming && Array.isArray(incoming.rawHeaders)) return nodeRequest(incoming, c);
  // No getters in this literal: one with a getter is built by a runtime call (~1.5 µs a request).
  return { method: c.req.method, url: c.req.url, raw: c, header: (name) => c.req.header(name) };
}

/**
 * Hono middleware that verifies the bearer token and sets `c.var.auth` (also `c.get('auth')`),
 * typed by the `claims` schema or by {@link Register}. Failures are thrown as an
 * `HTTPException` carrying the 400/401/403/503 response (see {@link toHTTPException}). Runs on
 * any runtime: neither this package nor the core's main entry imports a `node:` module.
 *
 * @example
 * ```ts
 * import { Hono } from 'hono';
 * import { jwtAuth, requireScope } from '@tokengate/hono';
 *
 * const app = new Hono();
 * app.use('/api/*', jwtAuth({ issuer: 'https://idp.example.com/', audience: 'api://orders' }));
 * app.get('/api/orders', requireScope('orders:read'), (c) => c.json({ sub: c.var.auth.subject }));
 * ```
 */
export function jwtAuth<S extends StandardSchemaV1 | undefined = undefined>(
  options: HonoAuthOptions<S> & { credentialsRequired?: true },
): AuthMiddleware<ClaimsOf<S>>;
/** With `credentialsRequired: false` (or not known to be `true`), `c.var.auth` may be undefined. */
export function jwtAuth<S extends StandardSchemaV1 | undefined = undefined>(
  options: HonoAuthOptions<S>,
): AuthMiddleware<ClaimsOf<S>, AuthContext<ClaimsOf<S>> | undefined>;
export function jwtAuth(options: HonoAuthOptions<any>): AuthMiddleware<any, any> {
  const verifier = createVerifier(options);
  // A plain function returning the chain (no async wrapper): one promise and one suspension less
  // per request on the hot path.
  const middleware: MiddlewareHandler<AuthEnv<any, any>> = function tokengate(c, next) {
    // A cached token is answered at once, without a promise of its own (authenticateNow).
    const outcome = authenticateNow(verifier, honoRequest(c));
    if (!(outcome instanceof Promise)) return pass(outcome, c, next);
    return outcome.then(
      (settled) => pass(settled, c, next),
      (error: unknown) => refuse(error, c),
    );
  };
  return Object.assign(middleware, { verifier });
}

/** Records what `jwtAuth` concluded (both slots, always: it replaces an earlier one's context). */
function pass(outcome: AuthOutcome<unknown>, c: Context<AuthEnv<any, any>>, next: Next): Promise<void> {
  c.set('auth', outcome.auth as AuthContext<any> | undefined);
  c.set('authError', outcome.error);
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
export function protectedResourceMetadata(options: HonoAuthOptions<any>): MiddlewareHandler {
  const endpoint = createResourceMetadataEndpoint(options);
  return async function tokengateResourceMetadata(c, next) {
    // c.req.url, not c.req.path: Hono decodes the path (`/caf%C3%A9` → `/café`), and the
    // well-known path is compared as it was sent.
    const answer = endpoint.answer(c.req.method, c.req.url, c.req.header('access-control-request-headers'));
    if (!answer) return next();
    return new Response(answer.body ?? null, { status: answer.status, headers: answer.headers });
  };
}

/**
 * The context `jwtAuth()` concluded for `c`, typed by {@link Register}; for untyped contexts.
 * Read from what `jwtAuth()` recorded on `c`, so a value the app set as `auth` is not taken for it.
 * @throws HTTPException 401 when the request is not authenticated.
 */
export function getAuth(c: Context): AuthContext<RegisteredClaims> {
  const auth = outcomeOf(c)?.auth;
  if (!auth) throw toHTTPException(new CoreAuthError('missing_token', 'authentication is required'));
  return auth;
}

/**
 * Turns a core {@link Guard} into Hono middleware that throws its `HTTPException`. It judges what
 * `jwtAuth()` concluded about `c`, never `c.var.auth` as the app may have rewritten it.
 */
export function guard(check: Guard): GuardMiddleware {
  const middleware: MiddlewareHandler = function tokengateGuard(c, next) {
    const error = checkRequest(check, c);
    if (error) return Promise.resolve(refuse(error, c));
    return next();
  };
  return Object.assign(middleware, { guard: check });
}

/** Hono's own `Context`: request input (JSON, query, parameters, headers) carries no functions. */
function isContext(value: unknown): value is Context {
  const c = value as Partial<Context> | null;
  return (
    typeof c === 'object' &&
    c !== null &&
    typeof c.get === 'function' &&
    typeof c.set === 'function' &&
    typeof c.req?.header === 'function'
  );
}

const binding: GuardBinding<[Context]> = {
  framework: 'Hono',
  shape: '(c)',
  requestOf: (value) => (isContext(value) ? value : undefined),
  // The method's result is the handler's: the response itself with `refusals: 'respond'`.
  fail: (error, c) => refuse(error, c as Context),
};

/** Guard middleware: MiddlewareHandler that carries the core guard it enforces (for `securityRequirement`). */
export interface GuardMiddleware extends MiddlewareHandler, GuardCarrier {}

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
 * The tokengate error behind an error Hono hands to `app.onError`: the {@link AuthError} itself,
 * or the `cause` of the `HTTPException` that `jwtAuth()` and the guards throw; undefined for any
 * other error. For error handlers that shape their own bodies.
 *
 * @example
 * ```ts
 * app.onError((err, c) => {
 *   const auth = authErrorOf(err);
 *   if (auth) return c.json({ message: auth.code }, auth.status, auth.headers);
 *   return c.json({ message: 'internal error' }, 500);
 * });
 * ```
 */
export function authErrorOf(err: unknown): AuthError | undefined {
  if (isAuthError(err)) return err;
  if (err instanceof HTTPException && isAuthError(err.cause)) return err.cause;
  return undefined;
}

/**
 * The counterpart of Express's `authErrorHandler()`, for `app.onError`: renders tokengate errors
 * as JSON (`{ error, code, error_description, reason? }`, the same body as Express's and Koa's)
 * with their status and `WWW-Authenticate`/`Retry-After` headers. Other errors go to `otherwise`
 * when given (your own error handler), else are answered as Hono's default handler does
 * (an `HTTPException`'s response, or a logged 500).
 *
 * Without `app.onError`, Hono already answers auth failures with this body; use this when the app
 * has an error handler of its own, which would otherwise turn every 401/403 into its own answer.
 *
 * @example
 * ```ts
 * app.onError(authErrorHandler((err, c) => c.json({ message: 'internal error' }, 500)));
 * ```
 */
export function authErrorHandler<E extends Env = any>(otherwise?: ErrorHandler<E>): ErrorHandler<E> {
  return function tokengateErrorHandler(err, c) {
    const error = authErrorOf(err);
    if (error) {
      return c.json(error.toJSON(), error.status as ContentfulStatusCode, error.headers);
    }
    if (otherwise) return otherwise(err, c);
    if (err instanceof HTTPException) return err.getResponse();
    console.error(err);
    return c.text('Internal Server Error', 500);
  };
}
export { backchannelLogout } from './backchannel-logout.js';
