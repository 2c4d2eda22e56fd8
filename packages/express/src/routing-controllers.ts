import { createRequire } from 'node:module';
import {
  type AuthContext,
  authenticate,
  type ClaimsOf,
  createVerifier,
  type RegisteredClaims,
  type StandardSchemaV1,
} from '@tokengate/core';
import {
  createRoutingControllersAuth,
  nodeRequest,
  type RoutingControllersAction,
  type RoutingControllersAuth,
  resolveHttpError,
} from '@tokengate/core/adapter';
import type { Request, Response } from 'express';
import type { ExpressAuthOptions } from './index.js';
import { isRequest } from './is-request.js';

export type {
  RoutingControllersAction,
  RoutingControllersAuth,
  RoutingControllersRefusal,
} from '@tokengate/core/adapter';

/**
 * `authorizationChecker` and `currentUserChecker` for routing-controllers' Express driver
 * (`createExpressServer`, `useExpressServer`). Spread them into its options.
 *
 * - `@Authorized(['orders:read', 'role:admin'])` needs **every** entry: `role:name` is a role,
 *   anything else a scope; class-level entries add to the method's. `@Authorized()` needs a
 *   valid token. No valid token: 401; a missing entry: 403 (`insufficient_scope` with
 *   `scope="…"`, or `insufficient_role`); the keys unreachable: 503 with `Retry-After`.
 * - It authenticates the request itself (no `app.use(jwtAuth())` needed) and sets `req.auth`;
 *   when a `jwtAuth()` already looked at the request, what that one concluded is used.
 * - `@CurrentUser()` is the verified context (`undefined` when no token was sent).
 * - It judges only what tokengate recorded on Express's request: never `req.auth`, nor a body,
 *   query, parameter or header named `auth`.
 * - Under routing-controllers' default error handling a refusal keeps its status, its
 *   `WWW-Authenticate` / `Retry-After` headers and, in a `@JsonController`, tokengate's JSON body
 *   (`{ error, code, error_description }`); with `defaultErrorHandler: false`, your error
 *   middleware receives a routing-controllers `HttpError` whose `cause` is the `AuthError`.
 *
 * @throws TypeError at start-up for bad options, or when routing-controllers is not installed.
 * @example
 * ```ts
 * import 'reflect-metadata';
 * import { routingControllersAuth } from '@tokengate/express';
 * import { createExpressServer } from 'routing-controllers';
 *
 * const app = createExpressServer({
 *   controllers: [OrdersController],
 *   ...routingControllersAuth({ issuer: 'https://idp.example.com/', audience: 'api://orders' }),
 * });
 * ```
 */
export function routingControllersAuth<S extends StandardSchemaV1 | undefined = undefined>(
  options: ExpressAuthOptions<S>,
): RoutingControllersAuth<ClaimsOf<S>> {
  const verifier = createVerifier(options);
  return createRoutingControllersAuth<ClaimsOf<S>, RoutingControllersAction>({
    framework: 'Express',
    adapter: '@tokengate/express',
    HttpError: resolveHttpError(createRequire(import.meta.url), '@tokengate/express'),
    requestOf: (action) => (isRequest(action.request) ? action.request : undefined),
    authenticate: (request) => {
      const req = request as Request;
      return authenticate(verifier, nodeRequest(req, req, req.originalUrl)).then((outcome) => {
        req.auth = outcome.auth as AuthContext<RegisteredClaims> | undefined;
        req.authError = outcome.error;
      });
    },
    announce: (headers, action) => {
      const res = action.response as Response;
      if (!res.headersSent) res.set(headers);
    },
  });
}
