// Fastify's translation of the core: plugin, hooks, guards. Over 300 lines only by the TSDoc of its exports.
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
  type RegisteredClaims,
  type StandardSchemaV1,
  type TokengateOptions,
  type Verifier,
} from '@tokengate/core';
import {
  authenticateNow,
  createGuardSet,
  createResourceMetadataEndpoint,
  type GuardBinding,
  type GuardSet,
  nodeRequest,
  OUTCOME_SLOT,
  outcomeOf,
} from '@tokengate/core/adapter';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import fp from 'fastify-plugin';
import { answer, fail, routeErrorHandler } from './errors.js';

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

declare module 'fastify' {
  interface FastifyRequest {
    /** The verified token's context, set by `jwtAuth()` (absent on anonymous requests). */
    auth?: AuthContext<RegisteredClaims>;
    /** With `invalidTokens: 'anonymous'`: why the token sent was not accepted. */
    authError?: AuthError;
  }
}

/** Options of the Fastify {@link jwtAuth}: the core options, with `getToken` and hooks typed for `request`. */
export type FastifyAuthOptions<S extends StandardSchemaV1 | undefined = undefined> = TokengateOptions<
  S,
  FastifyRequest
>;

/** A Fastify hook as tokengate writes them (`onRequest`, `preHandler`): callback style, never async. */
export type AuthHook = (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => void;

/** The `onRequest` hook returned by {@link jwtAuth}, with a typed accessor for the context it sets. */
export interface AuthMiddleware<C> extends AuthHook {
  /** The verifier behind this hook (to verify tokens outside HTTP, or `await ready()`). */
  readonly verifier: Verifier<C>;
  /**
   * The context this hook put on `request`, typed by its `claims` schema.
   * @throws AuthError 401 when the request is not authenticated.
   */
  getAuth(request: FastifyRequest): AuthContext<C>;
}

/**
 * An `onRequest` hook that verifies the bearer token and sets `request.auth` (and
 * `request.authError`). Add it to an encapsulated context (`instance.addHook('onRequest', …)`)
 * or to one route (`{ onRequest: jwtAuth(options) }`); the {@link tokengate} plugin does the same
 * for the scope it is registered in.
 *
 * Failures are {@link AuthError}s carrying `statusCode` and `headers`: when the route's context
 * has an error handler of the app's (`setErrorHandler`), the error goes there, and its answer is
 * what goes out; with Fastify's default handler the refusal is answered here, with the JSON body
 * every tokengate adapter sends (`{ error, code, error_description }`), the status,
 * `WWW-Authenticate` and `Retry-After`, and logged as Fastify's default handler logs errors
 * (without the token). Such a refusal does not enter Fastify's error path, so `onError` hooks do
 * not see it; `onError` in the options does.
 *
 * @example
 * ```ts
 * import Fastify from 'fastify';
 * import { jwtAuth, requireScope } from '@tokengate/fastify';
 *
 * const app = Fastify();
 * app.register(async (api) => {
 *   api.addHook('onRequest', jwtAuth({ issuer: 'https://idp.example.com/', audience: 'api://orders' }));
 *   api.get('/orders', { preHandler: requireScope('orders:read') }, async (request) => ({ sub: request.auth?.subject }));
 * });
 * ```
 */
export function jwtAuth<S extends StandardSchemaV1 | undefined = undefined>(
  options: FastifyAuthOptions<S>,
): AuthMiddleware<ClaimsOf<S>> {
  const verifier = createVerifier(options);
  const hook: AuthHook = function tokengate(request, reply, done) {
    // A cached token is answered at once: `done()` in this turn, no promise (authenticateNow).
    const outcome = authenticateNow(verifier, nodeRequest(request.raw, request, originalUrl(request)));
    if (!(outcome instanceof Promise)) {
      pass(outcome, request, done);
      return;
    }
    outcome.then(
      (settled) => pass(settled, request, done),
      (error: unknown) => fail(error, request, reply, done),
    );
  };
  return Object.assign(hook, {
    verifier,
    getAuth: (request: FastifyRequest) => getAuth(request) as AuthContext<ClaimsOf<S>>,
  });
}

/** Records what `jwtAuth` concluded (both slots, always: it replaces an earlier one's context). */
function pass(outcome: AuthOutcome<unknown>, request: FastifyRequest, done: HookHandlerDoneFunction): void {
  request.auth = outcome.auth as AuthContext<RegisteredClaims> | undefined;
  request.authError = outcome.error;
  done();
}

/**
 * Options of the {@link tokengate} plugin: those of {@link jwtAuth}. A `claims` schema still
 * validates the payload; `request.auth` is typed app-wide, by {@link Register}.
 */
export type TokengatePluginOptions = Omit<FastifyAuthOptions, 'claims'> & { claims?: StandardSchemaV1 };

/**
 * The URL the client sent, before any `rewriteUrl` (for DPoP's `htu`); undefined when not
 * rewritten (the request's own URL then). Read off the Node request: Fastify's `originalUrl`
 * getter caches on the request object, a change of its shape on every request.
 */
function originalUrl(request: FastifyRequest): string | undefined {
  return (request.raw as { originalUrl?: string }).originalUrl;
}

/** Options Fastify itself reads from `register(plugin, options)`; they are not tokengate's. */
const REGISTER_OPTIONS = new Set(['prefix', 'logLevel', 'logSerializers']);

function authOptions(options: Record<string, unknown>): FastifyAuthOptions<any> {
  const own: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(options)) if (!REGISTER_OPTIONS.has(name)) own[name] = value;
  return own as FastifyAuthOptions<any>;
}

// Async, so that a configuration mistake (a TypeError from jwtAuth) rejects `register`/`ready`.
const plugin: FastifyPluginAsync<TokengatePluginOptions> = async (fastify, options) => {
  // Declared on the request prototype, so every request has the same shape (Fastify's advice).
  if (!fastify.hasRequestDecorator('auth')) fastify.decorateRequest('auth', undefined);
  if (!fastify.hasRequestDecorator('authError')) fastify.decorateRequest('authError', undefined);
  // Where authenticate records its outcome: declared too, so recording keeps the request's shape.
  // (Fastify's types only know string names for a plain value; its code takes a symbol too.)
  const declare = fastify.decorateRequest as (name: symbol, value: undefined) => unknown;
  if (!fastify.hasRequestDecorator(OUTCOME_SLOT)) declare.call(fastify, OUTCOME_SLOT, undefined);
  fastify.addHook('onRequest', jwtAuth(authOptions(options as Record<string, unknown>)));
  // A handler that throws an AuthError (getAuth) gets the same answer as a refusing hook.
  fastify.addHook('onRoute', (route) => {
    route.errorHandler ??= routeErrorHandler;
  });
};

/**
 * The Fastify plugin (Fastify 5 and 4, made with `fastify-plugin`): registered with the {@link jwtAuth}
 * options, it authenticates every request of the scope it is registered in — the whole app when
 * registered at the root, only an encapsulated context's routes when registered inside one (routes
 * outside it stay public) — and declares `request.auth` and `request.authError`. Routes declared
 * after it without an `errorHandler` of their own also answer an {@link AuthError} thrown by the
 * handler (`getAuth(request)` on an anonymous request) as the hook does.
 *
 * @example
 * ```ts
 * import Fastify from 'fastify';
 * import { requireScope, tokengate } from '@tokengate/fastify';
 *
 * const app = Fastify();
 * await app.register(tokengate, { issuer: 'https://idp.example.com/', audience: 'api://orders' });
 * app.get('/orders', { preHandler: requireScope('orders:read') }, async (request) => ({
 *   sub: request.auth?.subject,
 * }));
 * ```
 */
export const tokengate: FastifyPluginAsync<TokengatePluginOptions> = fp(plugin, {
  name: '@tokengate/fastify',
  fastify: '4.x || 5.x',
});

export default tokengate;

/**
 * An `onRequest` hook serving the RFC 9728 Protected Resource Metadata of the API configured by
 * `resource`: `GET`/`HEAD` on its well-known path (`/.well-known/oauth-protected-resource` + the
 * resource's path) get the document built by `buildResourceMetadata` (authorization servers from
 * `issuer`/`issuers`, scopes, bearer methods), readable cross-origin and cacheable; a CORS
 * preflight gets 204; every other request is passed on (no route needs to exist). Give it the
 * same options as {@link jwtAuth}, and add it before it (the document is public).
 *
 * @throws TypeError at start-up when `resource` is missing or malformed.
 * @example
 * ```ts
 * const auth = { issuer: 'https://idp.example.com', resource: 'https://api.example.com/mcp' };
 * app.addHook('onRequest', protectedResourceMetadata(auth)); // GET /.well-known/oauth-protected-resource/mcp
 * await app.register(tokengate, auth);
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9728#section-3
 */
export function protectedResourceMetadata(options: FastifyAuthOptions<any>): AuthHook {
  const endpoint = createResourceMetadataEndpoint(options);
  return function tokengateResourceMetadata(request, reply, done) {
    const headers = request.headers['access-control-request-headers'];
    const answer = endpoint.answer(
      request.method,
      originalUrl(request) ?? request.url,
      Array.isArray(headers) ? headers.join(', ') : headers,
    );
    if (!answer) return done();
    reply.code(answer.status).headers(answer.headers);
    reply.send(answer.body);
  };
}

/**
 * The context `jwtAuth()` concluded for `request`, typed by {@link Register}. Read from what
 * `jwtAuth()` recorded on `request`, so an object the app put in `request.auth` is not taken for it.
 * @throws AuthError 401 when the request is not authenticated.
 */
export function getAuth(request: FastifyRequest): AuthContext<RegisteredClaims> {
  const auth = outcomeOf(request)?.auth;
  if (!auth) throw new CoreAuthError('missing_token', 'authentication is required');
  return auth;
}

/**
 * Turns a core {@link Guard} into a Fastify `preHandler` hook. It judges what `jwtAuth()`
 * concluded about `request`, never `request.auth` as the app may have rewritten it.
 */
export function guard(check: Guard): GuardMiddleware {
  const hook: AuthHook = function tokengateGuard(request, reply, done) {
    const error = checkRequest(check, request);
    if (error) fail(error, request, reply, done);
    else done();
  };
  return Object.assign(hook, { guard: check });
}

/**
 * A request Fastify made: its Node request and its server are objects with methods, which no
 * parsed body, query, parameter or header can carry.
 */
function isFastifyRequest(value: unknown): value is FastifyRequest {
  const request = value as FastifyRequest | null;
  return (
    typeof request === 'object' &&
    request !== null &&
    typeof request.raw?.on === 'function' &&
    typeof request.server?.route === 'function'
  );
}

const binding: GuardBinding<[FastifyRequest, FastifyReply]> = {
  framework: 'Fastify',
  shape: '(request, reply)',
  requestOf: (value) => (isFastifyRequest(value) ? value : undefined),
  fail: (error, request, [, reply]) => {
    // Called as Fastify calls handlers: answer as the guard hook does. Otherwise (a method called
    // with the request alone) throw, to the caller's error path.
    const ownReply = typeof reply?.send === 'function' && reply.request === request;
    if (!ownReply || !answer(error, request as FastifyRequest, reply)) throw error;
  },
};

/** A guard: a `preHandler` hook that carries the core guard it enforces (for `securityRequirement`). */
export interface GuardMiddleware extends AuthHook, GuardCarrier {}

const guards: GuardSet<GuardMiddleware> = createGuardSet(guard, binding);

/** `preHandler` hook requiring every listed scope (403 `insufficient_scope`, with `scope="…"`, otherwise). */
export const requireScope = guards.requireScope;
/** `preHandler` hook requiring at least one of the listed scopes. */
export const requireAnyScope = guards.requireAnyScope;
/** `preHandler` hook requiring every listed role (403 `insufficient_role` otherwise). */
export const requireRole = guards.requireRole;
/** `preHandler` hook requiring at least one of the listed roles. */
export const requireAnyRole = guards.requireAnyRole;
/** `preHandler` hook requiring an authenticated request (useful after `credentialsRequired: false`). */
export const requireAuth = guards.requireAuth;
/** `preHandler` hook requiring the claims to satisfy a predicate or match a partial object (403 otherwise). */
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

export {
  type BackchannelLogoutHook,
  backchannelLogout,
  type FastifyBackchannelLogoutOptions,
} from './backchannel-logout.js';
export { authErrorHandler, type ErrorHandler } from './errors.js';
