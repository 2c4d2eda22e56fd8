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
 * (`createKoaServer`, `useKoaServer`). Spread them into its options.
 *
 * - `@Authorized(['orders:read', 'role:admin'])` needs **every** entry: `role:name` is a role,
 *   anything else a scope; class-level entries add to the method's. `@Authorized()` needs a
 *   valid token. No valid token: 401; a missing entry: 403 (`insufficient_scope` with
 *   `scope="…"`, or `insufficient_role`); the keys unreachable: 503 with `Retry-After`.
 * - It authenticates the request itself (no `app.use(jwtAuth())` needed) and sets
 *   `ctx.state.auth`; when a `jwtAuth()` already looked at the request, what that one concluded
 *   is used.
 * - `@CurrentUser()` is the verified context (`undefined` when no token was sent).
 * - It judges only what tokengate recorded on Koa's `ctx`: never `ctx.state.auth`, nor a body
 *   (`{"state":{"auth":…}}` included), query, parameter or header named `auth`.
 * - Under routing-controllers' default error handling a refusal keeps its status, its
 *   `WWW-Authenticate` / `Retry-After` headers and, in a `@JsonController`, tokengate's JSON body
 *   (`{ error, code, error_description }`); with `defaultErrorHandler: false` the refusal reaches
 *   Koa's error path with `status`, `headers` and `expose`, its `cause` being the `AuthError`.
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
