// What a controller declares: @Public(), requirements (class and method, all apply), the context
// as a parameter (@Auth()), and other verification options for a controller or route.
import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import {
  checkRequest,
  createVerifier,
  requireAnyRole,
  requireAnyScope,
  requireAuth,
  requireClaims,
  requireRole,
  requireScope,
  type TokengateOptions,
} from '@tokengate/core';
import { type ClaimsExpectation, outcomeOf } from '@tokengate/core/adapter';
import { refusal } from './errors.js';
import {
  AUTH_REQUIRED,
  addRequirement,
  type ClassOrMethodDecorator,
  PUBLIC,
  setMetadata,
  VERIFIER,
} from './metadata.js';
import type { TokengateModuleOptions } from './module.js';

/**
 * Opts a route (on a handler) or every route of a controller (on the class) out of the global
 * guard: no token is looked for and none is needed. A route that also has requirements
 * (`@RequireScope`…, at either level) is not public: the requirements apply (a conflict fails closed).
 *
 * @example
 * ```ts
 * @Get('health') @Public() health() { return 'ok'; }
 * ```
 */
export function Public(): ClassOrMethodDecorator {
  return setMetadata(PUBLIC, true);
}

/**
 * Requires an authenticated request (401 otherwise): what every route needs by default, useful
 * with `credentialsRequired: false`, where routes let anonymous requests through.
 */
export function Authenticated(): ClassOrMethodDecorator {
  return addRequirement(requireAuth());
}

/**
 * Requires every listed scope (403 `insufficient_scope`, with `scope="…"`, otherwise). On a
 * controller, it applies to each of its routes, in addition to the route's own requirements.
 *
 * @example
 * ```ts
 * @Controller('orders') @RequireScope('orders:read')
 * class OrdersController {
 *   @Delete(':id') @RequireRole('admin') remove() {} // orders:read AND admin
 * }
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3.1
 */
export function RequireScope(...scopes: string[]): ClassOrMethodDecorator {
  return addRequirement(requireScope(...scopes));
}

/** Requires at least one of the listed scopes (403 `insufficient_scope` otherwise). Class or handler. */
export function RequireAnyScope(...scopes: string[]): ClassOrMethodDecorator {
  return addRequirement(requireAnyScope(...scopes));
}

/** Requires every listed role (403 `insufficient_role` otherwise). Class or handler. */
export function RequireRole(...roles: string[]): ClassOrMethodDecorator {
  return addRequirement(requireRole(...roles));
}

/** Requires at least one of the listed roles (403 `insufficient_role` otherwise). Class or handler. */
export function RequireAnyRole(...roles: string[]): ClassOrMethodDecorator {
  return addRequirement(requireAnyRole(...roles));
}

/**
 * Requires the claims to satisfy a predicate over the context, or to match a partial claims
 * object (403 `insufficient_claims` otherwise). Judged on the verified payload only: request
 * input (a body, query or header named `auth`) plays no part. Class or handler.
 *
 * @example
 * ```ts
 * @Post() @RequireClaims({ tenant: 'acme' }) create(@Body() body: Order) {}
 * ```
 */
export function RequireClaims(expected: ClaimsExpectation): ClassOrMethodDecorator {
  return addRequirement(requireClaims(expected));
}

/**
 * Authenticates a controller (on the class) or one route (on a handler) with these options
 * instead of the module's, e.g. another audience. The options are validated when the class is
 * defined (a `TypeError` at start-up). The route's requirements and `@Public()` apply as usual.
 *
 * @example
 * ```ts
 * @Controller('admin') @AuthenticateWith({ issuer: 'https://idp.example.com/', audience: 'api://admin' })
 * class AdminController {}
 * ```
 */
export function AuthenticateWith(options: TokengateModuleOptions): ClassOrMethodDecorator {
  return setMetadata(VERIFIER, createVerifier(options as TokengateOptions<any, any>));
}

/** Options of {@link Auth}. */
export interface AuthParamOptions {
  /**
   * With `credentialsRequired: false`: inject `undefined` for an anonymous request instead of
   * refusing it.
   * @default false
   */
  optional?: boolean;
}

const authParam = createParamDecorator((options: AuthParamOptions | undefined, context: ExecutionContext) => {
  const request = context.getArgByIndex<object>(0);
  const auth = outcomeOf(request)?.auth;
  if (auth || options?.optional === true) return auth;
  throw refusal(checkRequest(AUTH_REQUIRED, request)!, context.getArgByIndex(1));
});

/**
 * Injects the verified context of the request (`AuthContext`, its claims typed by `Register`),
 * as the guard recorded it: never an `auth` member of the request, body, query or headers. An
 * anonymous request (`credentialsRequired: false`) is refused with 401, unless
 * `{ optional: true }`, which injects `undefined`.
 *
 * @example
 * ```ts
 * @Get('me') me(@Auth() auth: AuthContext) { return { sub: auth.subject }; }
 * ```
 */
export function Auth(options?: AuthParamOptions): ParameterDecorator {
  return authParam(options);
}
