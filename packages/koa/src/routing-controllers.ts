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
import type { Context } from 'koa';
import { contextOf } from './context-of.js';
import type { KoaAuthOptions } from './index.js';

export type {
  RoutingControllersAction,
  RoutingControllersAuth,
  RoutingControllersRefusal,
} from '@tokengate/core/adapter';

/**
 * `authorizationChecker` and `currentUserChecker` for routing-controllers' Koa driver
 * (`createKoaServer`, `useKoaServer`): spread them into its options. `@Authorized([...])` needs every entry
 * (`role:name` a role, anything else a scope), `@CurrentUser()` is the verified context, and the
 * request is authenticated here (setting `ctx.state.auth`) unless a `jwtAuth()` already did; the whole
 * contract is on {@link RoutingControllersAuth}. Guide: docs/decorators.md.
 *
 * @throws TypeError at start-up for bad options, or when routing-controllers is not installed.
 * @example
 * ```ts
 * import 'reflect-metadata';
 * import { routingControllersAuth } from '@tokengate/koa';
 * import { createKoaServer } from 'routing-controllers';
 *
 * const app = createKoaServer({
 *   controllers: [OrdersController],
 *   ...routingControllersAuth({ issuer: 'https://idp.example.com/', audience: 'api://orders' }),
 * });
 * ```
 */
export function routingControllersAuth<S extends StandardSchemaV1 | undefined = undefined>(
  options: KoaAuthOptions<S>,
): RoutingControllersAuth<ClaimsOf<S>> {
  const verifier = createVerifier(options);
  return createRoutingControllersAuth<ClaimsOf<S>, RoutingControllersAction>({
    framework: 'Koa',
    adapter: '@tokengate/koa',
    HttpError: resolveHttpError(createRequire(import.meta.url), '@tokengate/koa'),
    requestOf: (action) => contextOf(action.context),
    authenticate: (request) => {
      const ctx = request as Context;
      return authenticate(verifier, nodeRequest(ctx.req, ctx, ctx.originalUrl)).then((outcome) => {
        ctx.state.auth = outcome.auth as AuthContext<RegisteredClaims> | undefined;
        ctx.state.authError = outcome.error;
      });
    },
    announce: (headers, action) => {
      const ctx = contextOf(action.context);
      if (ctx && !ctx.headerSent) ctx.set(headers);
    },
  });
}
