/**
 * `@tokengate/core/adapter`: the plumbing that framework adapters (and stores) built on the core
 * use and applications never need: reading a framework's request for the core, reading what
 * `jwtAuth` concluded about a request, building an adapter's guard middleware and decorators,
 * rendering challenges, serving RFC 9728 metadata, and the helpers a revocation store shares
 * with the memory one. The main entry, `@tokengate/core`, exports what applications use.
 *
 * An adapter's `jwtAuth` calls `authenticate` (main entry) on {@link nodeRequest} (or a
 * `RequestLike` of its own) with the framework's own request object (`req`, `ctx`, `c`) as
 * `raw`, then stores `auth`/`authError` in its framework's slots; its guard middleware and
 * decorators come from {@link createGuardSet}, and read only what `authenticate` recorded on that
 * object ({@link outcomeOf}), never the slots.
 *
 * @module
 */

// Small helpers of the other packages (the CLI, the Redis store's options).
export { type MillisecondsRule, toMilliseconds, toSeconds } from './config/duration.js';
// The context without its raw token, as hooks receive it (`@tokengate/mcp` calls the hooks itself).
export { publicContext } from './context/build.js';
// Challenges (RFC 6750 §3, RFC 9449 §7.1).
export {
  buildChallenge,
  buildDpopChallenge,
  type ChallengeParts,
  type DpopChallenge,
} from './errors/challenge.js';
export type { DpopSettings } from './oauth/dpop/options.js';
export type { DpopRequestSettings, ProofChecker } from './oauth/dpop/proof.js';
// RFC 9728 metadata endpoint, and DPoP as resolved for requests.
export {
  createResourceMetadataEndpoint,
  RESOURCE_METADATA_MAX_AGE,
  type ResourceMetadataEndpoint,
  type ResourceMetadataResponse,
} from './oauth/resource-metadata.js';
// routing-controllers (`routingControllersAuth` of the Express and Koa adapters): the
// `@Authorized(...)` list, the checkers, the refusal its default error handling answers with.
export { ROLE_PREFIX, resolveAuthorizedList } from './policy/authorized-list.js';
// Guard middleware and decorators: an adapter supplies two translations, core does the rest.
export { type GuardBinding, guardDecorator, type HandlerDecorator } from './policy/decorators.js';
export { type ClaimsExpectation, createGuardSet, type GuardSet } from './policy/guard-set.js';
export { resolveHttpError } from './policy/load-http-error.js';
export {
  createRoutingControllersAuth,
  type HttpErrorClass,
  type RoutingControllersAction,
  type RoutingControllersAuth,
  type RoutingControllersBinding,
  type RoutingControllersRefusal,
} from './policy/routing-controllers.js';
export { authenticateNow, isPreflight } from './request/authenticate.js';
export { type BodyRead, type NodeBodySource, readNodeBody, readWebBody } from './request/form-body.js';
// Reading a request: the token, the wrapper Express and Koa (and Hono on Node) use, hooks.
export { callHook } from './request/hooks.js';
export { type NodeRequestShape, nodeRequest } from './request/node-request.js';
export { answersRefusals, OUTCOME_SLOT, outcomeOf } from './request/outcome.js';
export {
  checkBearerSyntax,
  type Extracted,
  extractToken,
  parseAuthorization,
  readCookie,
  readProtocol,
} from './request/token-sources.js';
// Back-channel logout: the endpoint every adapter's `backchannelLogout` answers with, and the
// bounded body readers it needs.
export {
  BACKCHANNEL_LOGOUT_MAX_BODY,
  type BackchannelLogoutEndpoint,
  type BackchannelLogoutResponse,
  createBackchannelLogout,
} from './revocation/backchannel-logout.js';
// What a revocation store shares with the memory store (`@tokengate/redis`), including the
// listener list its `subscribe` (for watchAuth) is made of.
export {
  createRevocationChanges,
  isRevokedBy,
  isWellFormedString,
  REVOCATION_LEEWAY_SECONDS,
  type RevocationChanges,
  SESSION_RETENTION_SECONDS,
  toEpochSeconds,
  validateRevocationId,
  validateRevocationTolerance,
} from './revocation/store.js';
export { isAlgorithm, isSymmetric } from './token/algorithms.js';
export { decodeJwtSegment } from './token/jws.js';
export type { RequestSettings } from './verifier.js';
