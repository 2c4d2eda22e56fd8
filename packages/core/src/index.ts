export { type Duration, type MillisecondsRule, toMilliseconds, toSeconds } from './config/duration.js';
export type {
  AuthenticatedEvent,
  CacheOptions,
  ClaimsOf,
  ErrorEvent,
  IssuerOptions,
  JsonWebKeySet,
  KeyObjectLike,
  PublicKeyInput,
  Secret,
  SecretLookupInput,
  SecretResolver,
  TokengateOptions,
} from './config/options.js';
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
export { AuthError, type AuthErrorBody, type AuthErrorInit, isAuthError } from './errors/auth-error.js';
export {
  buildChallenge,
  buildDpopChallenge,
  type ChallengeParts,
  type DpopChallenge,
} from './errors/challenge.js';
export type { AuthErrorCode, AuthErrorReason, BearerErrorToken } from './errors/codes.js';
export {
  discoverIssuer,
  discoveryUrls,
  getIssuerDiscovery,
  type IssuerDiscovery,
  type IssuerMetadata,
} from './keys/remote/discovery.js';
export type { KeySourceEvent, KeySourceEventOption } from './keys/remote/events.js';
export { MAX_RESPONSE_BYTES } from './keys/remote/fetch-json.js';
export { getIssuerJwks } from './keys/remote/issuer-jwks.js';
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
export type { DpopNonceOptions, NonceSource } from './oauth/dpop/nonce.js';
export { DPOP_ALGORITHMS, type DpopOptions, type DpopSettings } from './oauth/dpop/options.js';
export type { DpopRequestSettings, ProofChecker } from './oauth/dpop/proof.js';
export {
  createMemoryReplayStore,
  type MemoryReplayStoreOptions,
  type ReplayStore,
} from './oauth/dpop/replay.js';
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
export { resourceAudiences, resourceMetadataUrl } from './oauth/resource.js';
export {
  buildResourceMetadata,
  createResourceMetadataEndpoint,
  type ProtectedResourceMetadata,
  RESOURCE_METADATA_MAX_AGE,
  type ResourceMetadataEndpoint,
  type ResourceMetadataResponse,
} from './oauth/resource-metadata.js';
export { type GuardBinding, guardDecorator, type HandlerDecorator } from './policy/decorators.js';
export { type ClaimsExpectation, createGuardSet, type GuardSet } from './policy/guard-set.js';
export {
  type Guard,
  requireAnyRole,
  requireAnyScope,
  requireAuth,
  requireClaims,
  requireRole,
  requireScope,
} from './policy/guards.js';
export { type AuthOutcome, authenticate, isPreflight } from './request/authenticate.js';
export { callHook } from './request/hooks.js';
export {
  checkBearerSyntax,
  type Extracted,
  extractToken,
  type NodeRequestShape,
  nodeRequest,
  parseAuthorization,
  type RequestLike,
  readCookie,
  type TokenSource,
} from './request/token-sources.js';
export { createMemoryRevocationStore, type MemoryRevocationStoreOptions } from './revocation/memory.js';
export {
  type Instant,
  isRevokedBy,
  isWellFormedString,
  REVOCATION_LEEWAY_SECONDS,
  type RevocationCheck,
  type RevocationStore,
  toEpochSeconds,
  validateRevocationId,
  validateRevocationTolerance,
} from './revocation/store.js';
export { ALGORITHMS, type Algorithm, isAlgorithm, isSymmetric } from './token/algorithms.js';
export { type DecodedJwt, decodeJwt, decodeJwtSegment } from './token/jws.js';
export type { StandardSchemaV1 } from './token/schema.js';
export { createVerifier, type RequestSettings, type Verifier } from './verifier.js';
