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
 * (`createExpressServer`, `useExpressServer`): spread them into its options. `@Authorized([...])` needs every entry
 * (`role:name` a role, anything else a scope), `@CurrentUser()` is the verified context, and the
 * request is authenticated here (setting `req.auth`) unless a `jwtAuth()` already did; the whole
 * contract is on {@link RoutingControllersAuth}. Guide: docs/decorators.md.
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
