import type { AuthContext } from '../context/types.js';
import { type AuthError, type AuthErrorBody, isAuthError } from '../errors/auth-error.js';
import type { AuthErrorCode } from '../errors/codes.js';
import { outcomeOf } from '../request/outcome.js';
import { resolveAuthorizedList } from './authorized-list.js';
import { checkRequest, type Guard } from './guards.js';

/**
 * What routing-controllers hands its `authorizationChecker` and `currentUserChecker` (its
 * `Action`): the framework's request and response, and on Koa the context.
 */
export interface RoutingControllersAction {
  /** Express: `req`; Koa: `ctx.request`. */
  readonly request: unknown;
  /** Express: `res`; Koa: `ctx.response`. */
  readonly response: unknown;
  /** Koa: `ctx`. */
  readonly context?: unknown;
}

/** routing-controllers' `HttpError` class (its default error handling answers with `httpCode`). */
export type HttpErrorClass = new (...args: any[]) => Error;

/**
 * The two translations an adapter supplies to {@link createRoutingControllersAuth}, and
 * routing-controllers' `HttpError` as the app loaded it.
 */
export interface RoutingControllersBinding<A extends RoutingControllersAction> {
  /** `'Express'` or `'Koa'`, for error messages. */
  readonly framework: string;
  /** The package to import `routingControllersAuth` from, for error messages. */
  readonly adapter: string;
  /** routing-controllers' `HttpError`: the Koa driver answers `500` for anything else. */
  readonly HttpError: HttpErrorClass;
  /**
   * The framework's own request object of `action` (where `authenticate` records its outcome:
   * Express's `req`, Koa's `ctx`), recognised as the framework made it; `undefined` otherwise.
   */
  requestOf(action: A): object | undefined;
  /** Runs `authenticate` on `request` and stores the context in the framework's slots. */
  authenticate(request: object): Promise<unknown>;
  /** Puts a refusal's headers (`WWW-Authenticate`, `Retry-After`) on the action's response. */
  announce(headers: Readonly<Record<string, string>>, action: A): void;
}

/**
 * `authorizationChecker` and `currentUserChecker` for routing-controllers' options, as
 * `routingControllersAuth()` of `@tokengate/express` and `@tokengate/koa` return them:
 *
 * - `@Authorized(['orders:read', 'role:admin'])` needs **every** entry: `role:name` is a role,
 *   anything else a scope; class-level entries add to the method's. `@Authorized()` needs a
 *   valid token. No valid token: 401; a missing entry: 403 (`insufficient_scope` with
 *   `scope="…"`, or `insufficient_role`); the keys unreachable: 503 with `Retry-After`.
 * - The checkers authenticate the request themselves (no `jwtAuth()` needed) and set the
 *   framework's slot (`req.auth`, `ctx.state.auth`); when a `jwtAuth()` already looked at the
 *   request, what that one concluded is used.
 * - `@CurrentUser()` is the verified context (`undefined` when no token was sent).
 * - They judge only what tokengate recorded on the framework's request: never `req.auth` /
 *   `ctx.state.auth`, nor a body, query, parameter or header named `auth`.
 * - Under routing-controllers' default error handling a refusal keeps its status, its
 *   `WWW-Authenticate` / `Retry-After` headers and, in a `@JsonController`, tokengate's JSON body
 *   (`{ error, code, error_description }`); with `defaultErrorHandler: false`, the framework's own
 *   error path receives a {@link RoutingControllersRefusal} (its `cause` is the `AuthError`).
 *
 * @typeParam C - the claims type of the context (`Register`, or the `claims` schema's output).
 * @typeParam A - routing-controllers' `Action`.
 */
export interface RoutingControllersAuth<C, A extends RoutingControllersAction = RoutingControllersAction> {
  /**
   * routing-controllers' `authorizationChecker`: resolves `true` when the request may proceed,
   * and rejects with a {@link RoutingControllersRefusal} otherwise (401 without a valid token,
   * 403 when an entry of the `@Authorized(...)` list is missing, 503 when the keys cannot be
   * fetched). Authenticates the request unless a `jwtAuth` already did.
   */
  authorizationChecker(action: A, roles: readonly unknown[]): Promise<boolean>;
  /**
   * routing-controllers' `currentUserChecker`: the request's verified context (what `@CurrentUser()`
   * injects), `undefined` when no token was sent; a bad token is refused as by `jwtAuth`.
   */
  currentUserChecker(action: A): Promise<AuthContext<C> | undefined>;
}

/**
 * A refusal as routing-controllers answers it: an instance of its `HttpError` with `httpCode`,
 * whose `toJSON()` is tokengate's JSON body (`{ error, code, error_description }`). It also
 * carries what Express's and Koa's own error paths read (`status`, `headers`, `expose`) for apps
 * that turn routing-controllers' default error handling off; the {@link AuthError} is its `cause`.
 */
export interface RoutingControllersRefusal extends Error {
  /** The HTTP status, where routing-controllers reads it. */
  readonly httpCode: number;
  /** The HTTP status, where Koa and Express's final handler read it. */
  readonly status: number;
  /** The HTTP status, for libraries that read `statusCode`. */
  readonly statusCode: number;
  /** Whether a framework may show the message to the client (4xx). */
  readonly expose: boolean;
  /** tokengate's stable code. */
  readonly code: AuthErrorCode;
  /** `WWW-Authenticate`, or `Retry-After` on 503s. */
  readonly headers: Readonly<Record<string, string>>;
  /** The refusal itself. */
  readonly cause: AuthError;
  /** tokengate's JSON body, which routing-controllers' JSON controllers send. */
  toJSON(): AuthErrorBody;
}

const refusals = new WeakMap<HttpErrorClass, new (error: AuthError) => RoutingControllersRefusal>();

/** The refusal class for routing-controllers' `HttpError` (one per copy of routing-controllers). */
function refusalClass(HttpError: HttpErrorClass): new (error: AuthError) => RoutingControllersRefusal {
  let Refusal = refusals.get(HttpError);
  if (Refusal) return Refusal;
  Refusal = class AuthRefusal extends HttpError {
    override readonly name = 'AuthRefusal';
    declare readonly httpCode: number;
    readonly status: number;
    readonly statusCode: number;
    readonly expose: boolean;
    readonly code: AuthErrorCode;
    readonly headers: Readonly<Record<string, string>>;
    declare readonly cause: AuthError;

    constructor(error: AuthError) {
      super(error.status, error.message);
      // HttpError sets its own prototype (a TypeScript down-level habit), which drops a subclass's.
      Object.setPrototypeOf(this, new.target.prototype);
      Object.defineProperty(this, 'httpCode', { value: error.status, enumerable: true });
      Object.defineProperty(this, 'cause', { value: error });
      this.status = error.status;
      this.statusCode = error.status;
      this.expose = error.expose;
      this.code = error.code;
      this.headers = error.headers;
      // HttpError captured a stack; its text controllers send `stack` in development mode.
      this.stack = `${this.name}: ${this.message}`;
    }

    toJSON(): AuthErrorBody {
      return this.cause.toJSON();
    }
  };
  refusals.set(HttpError, Refusal);
  return Refusal;
}

/**
 * Builds routing-controllers' `authorizationChecker` and `currentUserChecker` for an adapter:
 * the shared logic of `routingControllersAuth` in `@tokengate/express` and `@tokengate/koa`.
 *
 * - The `@Authorized(...)` list needs every entry ({@link resolveAuthorizedList}: `role:name` a
 *   role, anything else a scope), each checked by core's guards with {@link checkRequest}.
 * - Only what `authenticate` recorded on the framework's request counts: when nothing is
 *   recorded yet (no `jwtAuth` ran), the checker authenticates the request itself; `req.auth`,
 *   `ctx.state.auth`, a body, query, parameter or header named `auth` are never read.
 * - A refusal is a {@link RoutingControllersRefusal}, thrown after its headers were put on the
 *   response, so routing-controllers' default error handling answers with the status, the
 *   challenge, `Retry-After` and (JSON controllers) tokengate's body.
 *
 * @throws TypeError from the checkers when routing-controllers hands an action without the
 *   framework's request (the Koa checker in an Express app), or when a list entry is malformed.
 * @example
 * ```ts
 * createRoutingControllersAuth({ framework: 'Koa', adapter: '@tokengate/koa', HttpError,
 *   requestOf: (action) => contextOf(action.context), authenticate: (ctx) => ...,
 *   announce: (headers, action) => contextOf(action.context)?.set(headers) });
 * ```
 */
export function createRoutingControllersAuth<C, A extends RoutingControllersAction>(
  binding: RoutingControllersBinding<A>,
): RoutingControllersAuth<C, A> {
  const Refusal = refusalClass(binding.HttpError);
  // routing-controllers hands the same list (the route's metadata) on every request.
  const lists = new WeakMap<readonly unknown[], readonly Guard[]>();
  const guardsOf = (roles: readonly unknown[]): readonly Guard[] => {
    let guards = lists.get(roles);
    if (!guards) {
      guards = resolveAuthorizedList(roles);
      lists.set(roles, guards);
    }
    return guards;
  };
  const requestOf = (action: A): object => {
    const request = typeof action === 'object' && action !== null ? binding.requestOf(action) : undefined;
    if (request) return request;
    throw new TypeError(
      `tokengate: routingControllersAuth() from ${binding.adapter} was handed no ${binding.framework} ` +
        `request; use it with routing-controllers' ${binding.framework} driver (the handler did not run)`,
    );
  };
  const refuse = (error: AuthError, action: A): RoutingControllersRefusal => {
    binding.announce(error.headers, action);
    return new Refusal(error);
  };
  /** Authenticates `request` unless `authenticate` already looked at it; the refusal, if any. */
  const authenticateOnce = async (request: object): Promise<AuthError | undefined> => {
    if (outcomeOf(request)) return undefined;
    try {
      await binding.authenticate(request);
      return undefined;
    } catch (error) {
      if (isAuthError(error)) return error;
      throw error;
    }
  };
  return {
    async authorizationChecker(action, roles) {
      const request = requestOf(action);
      const guards = guardsOf(roles);
      const failed = await authenticateOnce(request);
      if (failed) throw refuse(failed, action);
      for (const guard of guards) {
        const error = checkRequest(guard, request);
        if (error) throw refuse(error, action);
      }
      return true;
    },
    async currentUserChecker(action) {
      const request = requestOf(action);
      const failed = await authenticateOnce(request);
      // No token on a route without @Authorized(): no current user, not a refusal.
      if (failed?.code === 'missing_token') return undefined;
      if (failed) throw refuse(failed, action);
      return outcomeOf(request)?.auth as AuthContext<C> | undefined;
    },
  };
}
