// The main entry: what applications use, in the order the README introduces it. Plumbing that
// only adapters and stores use is in `./adapter.ts` (`@tokengate/core/adapter`); the test
// issuer in `./testing/` (`@tokengate/core/testing`).

export type { Duration } from './config/duration.js';
export type {
  AuthenticatedEvent,
  CacheOptions,
  ClaimCheck,
  ClaimsOf,
  ErrorEvent,
  IssuerOptions,
  IssuerResolver,
  IssuerResolverInput,
  JsonWebKeySet,
  KeyObjectLike,
  PublicKeyInput,
  Secret,
  SecretLookupInput,
  SecretResolver,
  TokengateOptions,
} from './config/options.js';

// Connections that outlive a request (WebSocket, server-sent events): held to the token's life.
export { selectSubprotocol } from './connections/subprotocol.js';
export { type WatchAuthOptions, type WatchEndReason, watchAuth } from './connections/watch.js';
// Typed claims: `Register` app-wide, or a Standard Schema per middleware ("Typed claims").
export type {
  AuthContext,
  JwtClaims,
  JwtHeader,
  PublicAuthContext,
  Register,
  RegisteredClaims,
  StandardClaims,
} from './context/types.js';
export type { CryptoPreference } from './crypto/index.js';
// Errors: one class, a stable `code`, the RFC 6750 challenge ("Errors").
export { AuthError, type AuthErrorBody, type AuthErrorInit, isAuthError } from './errors/auth-error.js';
export type { AuthErrorCode, AuthErrorReason, BearerErrorToken } from './errors/codes.js';
export {
  discoverIssuer,
  discoveryUrls,
  getIssuerDiscovery,
  type IssuerDiscovery,
  type IssuerMetadata,
} from './keys/remote/discovery.js';
// Remote keys: start-up checks, key-source events, discovery ("Start-up checks and key-source
// logs", "Using an identity provider").
export type { KeySourceEvent, KeySourceEventOption } from './keys/remote/events.js';
export { MAX_RESPONSE_BYTES } from './keys/remote/fetch-json.js';
export { getIssuerJwks } from './keys/remote/issuer-jwks.js';
// Key sets shared by short-lived instances: the `keyCache` option and its Cache API adapter
// ("Key sets across short-lived instances").
export {
  createMemoryKeyCache,
  KEY_CACHE_TIMEOUT_MS,
  type KeyCache,
  type KeyCacheEntry,
  type MemoryKeyCache,
} from './keys/remote/key-cache.js';
export { KeySourceError, type KeySourceErrorKind } from './keys/remote/key-source-error.js';
export type { RemoteJwksOptions } from './keys/remote/options.js';
export type { RemoteKeySourceStats } from './keys/remote/remote-cache.js';
export {
  createRemoteJwks,
  getRemoteJwks,
  type RemoteJwk,
  type RemoteJwks,
  type RemoteKeySet,
} from './keys/remote/remote-jwks.js';
export { validateKeySourceUrl } from './keys/remote/url-rules.js';
export {
  type CacheApiLike,
  type WorkersKeyCacheOptions,
  workersKeyCache,
} from './keys/remote/workers-key-cache.js';
// Sender-constrained tokens: the `dpop` option and its replay store ("DPoP").
export type { DpopNonceOptions, NonceSource } from './oauth/dpop/nonce.js';
export { DPOP_ALGORITHMS, type DpopOptions } from './oauth/dpop/options.js';
export {
  createMemoryReplayStore,
  type MemoryReplayStoreOptions,
  type ReplayProof,
  type ReplayStore,
} from './oauth/dpop/replay.js';
// Opaque tokens: the `introspection` option and the shape of a shared cache of its answers.
export type { IntrospectionOptions } from './oauth/introspection/options.js';
export type { IntrospectionCacheStore } from './oauth/introspection/store.js';
// OpenAPI security schemes and requirements from the guards ("OpenAPI").
export {
  type GuardCarrier,
  type OpenApiSecurityRequirement,
  type OpenApiSecurityScheme,
  type SecurityRequirementInput,
  type SecurityRequirementOptions,
  type SecuritySchemeOptions,
  securityRequirement,
  securityScheme,
} from './oauth/openapi.js';
// OAuth 2.1 protected resources: RFC 9728 metadata for MCP servers ("Protecting an MCP server").
export { resourceAudiences, resourceMetadataUrl } from './oauth/resource.js';
export { buildResourceMetadata, type ProtectedResourceMetadata } from './oauth/resource-metadata.js';
// Guards: pure checks every adapter turns into middleware and decorators (README "Guards").
export {
  checkRequest,
  type Guard,
  requireAnyRole,
  requireAnyScope,
  requireAuth,
  requireClaims,
  requireRole,
  requireScope,
} from './policy/guards.js';
export { authenticate } from './request/authenticate.js';
// The core without an adapter: one request in, its outcome out (the core's README).
export type { AuthOutcome, ChallengeSettings } from './request/outcome.js';
export type { RequestLike, TokenSource } from './request/token-sources.js';
// OpenID Connect Back-Channel Logout: the options of every adapter's `backchannelLogout`.
export type { BackchannelLogoutOptions } from './revocation/backchannel-logout.js';
export {
  BACKCHANNEL_LOGOUT_EVENT,
  type LogoutKeyOptions,
  type LogoutTokenOptions,
} from './revocation/logout-token.js';
// Revocation: the `revocation` option's store contract and the in-process store.
export { createMemoryRevocationStore, type MemoryRevocationStoreOptions } from './revocation/memory.js';
export type { Instant, RevocationChange, RevocationCheck, RevocationStore } from './revocation/store.js';
export { SESSION_RETENTION_SECONDS } from './revocation/store.js';
export { ALGORITHMS, type Algorithm } from './token/algorithms.js';
export { type DecodedJwt, decodeJwt } from './token/jws.js';
export type { StandardSchemaV1 } from './token/schema.js';
// Options, and the verifier they configure ("Options").
export { createVerifier, type Verifier } from './verifier.js';
