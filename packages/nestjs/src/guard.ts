// The global guard: authenticate (core) on the platform's request, record the outcome on it, then
// the route's requirements through core's checkRequest. Translation only.
import type { CanActivate, ExecutionContext } from '@nestjs/common';
import {
  type AuthContext,
  type AuthError,
  type AuthOutcome,
  checkRequest,
  isAuthError,
  type Verifier,
} from '@tokengate/core';
import { authenticateNow, nodeRequest } from '@tokengate/core/adapter';
import { refusal } from './errors.js';
import { type RoutePlan, readPlan } from './metadata.js';

/** The Node request both platforms wrap (Express's `req` is one; Fastify's `request.raw`). */
type NodeRequest = Parameters<typeof nodeRequest>[0] & { readonly originalUrl?: string };

/** The request slots the guard fills (what other adapters call `req.auth` / `req.authError`). */
interface Slots {
  auth?: AuthContext<unknown> | undefined;
  authError?: AuthError | undefined;
}

/**
 * A request Fastify made (Nest's Fastify platform): its Node request and its server are objects
 * with methods, which no parsed body, query, parameter or header can carry.
 */
function isFastifyRequest(value: object): value is { raw: NodeRequest; server: object } & object {
  const request = value as { raw?: { on?: unknown }; server?: { route?: unknown } };
  return typeof request.raw?.on === 'function' && typeof request.server?.route === 'function';
}

/** Express's own request (Nest's Express platform): `req.res.req === req` holds only for it. */
function isExpressRequest(value: object): value is NodeRequest {
  return (value as { res?: { req?: unknown } }).res?.req === value;
}

/**
 * The core's view of the platform's request, whose outcome is recorded on `request` itself (the
 * object `@Auth()` and `@Req()` see). Undefined for anything that is not a request of either
 * platform.
 */
export function coreRequest(request: unknown): ReturnType<typeof nodeRequest<object>> | undefined {
  if (typeof request !== 'object' || request === null) return undefined;
  if (isFastifyRequest(request)) return nodeRequest(request.raw, request, request.raw.originalUrl);
  if (isExpressRequest(request)) return nodeRequest(request, request, request.originalUrl);
  return undefined;
}

/** Routes are few and fixed: each handler's plan is read once (per controller class). */
const plans = new WeakMap<object, { controller: object; plan: RoutePlan }>();

function planOf(context: ExecutionContext): RoutePlan {
  const handler = context.getHandler();
  const controller = context.getClass();
  const known = plans.get(handler);
  if (known?.controller === controller) return known.plan;
  const plan = readPlan(handler, controller);
  // An inherited handler shared by two controllers keeps the last one's plan (re-read on a miss).
  plans.set(handler, { controller, plan });
  return plan;
}

/**
 * The guard `TokengateModule` registers globally (`APP_GUARD`): on every HTTP route that is not
 * `@Public()`, it authenticates the request with the module's verifier (or the route's
 * `@AuthenticateWith(options)`), records the outcome on the platform's request (what `@Auth()`
 * reads; `request.auth` and `request.authError` are set too, as in the other adapters), then
 * checks the route's requirements, class-level and method-level alike. A refusal is thrown as a
 * `TokengateException`, with its headers already on the response.
 *
 * Contexts other than HTTP (GraphQL resolvers, microservices, WebSockets) are refused with a
 * `TypeError` unless `@Public()`: the guard does not know how to authenticate them, and fails closed.
 */
export class TokengateGuard implements CanActivate {
  readonly #verifier: Verifier<unknown>;

  /** @param verifier - the verifier of routes without `@AuthenticateWith` (the module's). */
  constructor(verifier: Verifier<unknown>) {
    this.#verifier = verifier;
  }

  /** Nest's guard entry: true to let the request through; throws to refuse it. */
  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    const plan = planOf(context);
    if (plan.public) return true;
    if (context.getType() !== 'http') {
      throw new TypeError(
        `tokengate: the guard authenticates HTTP routes only; ${context.getClass().name}.${context.getHandler().name} ` +
          `runs in a '${context.getType()}' context (mark it @Public() and authenticate it another way)`,
      );
    }
    // HTTP arguments are (request, response, next) on both platforms: read without switchToHttp().
    const request = context.getArgByIndex<Slots>(0);
    const like = coreRequest(request);
    if (!like) {
      throw new TypeError(
        'tokengate: the request is neither an Express nor a Fastify request (use @nestjs/platform-express or @nestjs/platform-fastify)',
      );
    }
    // A cached token is answered at once (authenticateNow): a boolean, no promise.
    const outcome = authenticateNow(plan.verifier ?? this.#verifier, like);
    if (!(outcome instanceof Promise)) return admit(outcome, plan, request, context);
    return outcome.then(
      (settled) => admit(settled, plan, request, context),
      (error: unknown) => {
        // Not a refusal (a throwing `secret` function): the app's bug, Nest's 500.
        throw isAuthError(error) ? refusal(error, context.getArgByIndex(1)) : error;
      },
    );
  }
}

/**
 * Records what the guard concluded (both slots, always: it replaces anything there before), then
 * holds the request to the route's requirements.
 * @throws the refusal of the first requirement the request does not meet.
 */
function admit(
  outcome: AuthOutcome<unknown>,
  plan: RoutePlan,
  request: Slots,
  context: ExecutionContext,
): true {
  request.auth = outcome.auth as Slots['auth'];
  request.authError = outcome.error;
  const requirements = plan.requirements;
  for (let i = 0; i < requirements.length; i++) {
    const denied = checkRequest(requirements[i]!, request);
    if (denied) throw refusal(denied, context.getArgByIndex(1));
  }
  return true;
}
