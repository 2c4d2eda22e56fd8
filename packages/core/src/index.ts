export { ALGORITHMS, type Algorithm, isAlgorithm, isSymmetric } from './algorithms.js';
export { type AuthOutcome, authenticate, isPreflight } from './authenticate.js';
export {
  buildChallenge,
  buildDpopChallenge,
  type ChallengeParts,
  type DpopChallenge,
} from './challenge.js';
export type {
  AuthContext,
  JwtClaims,
  JwtHeader,
  PublicAuthContext,
  Register,
  RegisteredClaims,
  StandardClaims,
} from './context.js';
export type { CryptoPreference } from './crypto/index.js';
export { type GuardBinding, guardDecorator, type HandlerDecorator } from './decorators.js';
export type { DpopNonceOptions, NonceSource } from './dpop/nonce.js';
export { DPOP_ALGORITHMS, type DpopOptions, type DpopSettings } from './dpop/options.js';
export type { DpopRequestSettings, ProofChecker } from './dpop/proof.js';
export { createMemoryReplayStore, type MemoryReplayStoreOptions, type ReplayStore } from './dpop/replay.js';
export { type Duration, toSeconds } from './duration.js';
export {
  AuthError,
  type AuthErrorBody,
  type AuthErrorCode,
  type AuthErrorInit,
  type AuthErrorReason,
  type BearerErrorToken,
  isAuthError,
} from './errors.js';
export { type ClaimsExpectation, createGuardSet, type GuardSet } from './guard-set.js';
export {
  type Guard,
  requireAnyRole,
  requireAnyScope,
  requireAuth,
  requireClaims,
  requireRole,
  requireScope,
} from './guards.js';
export { callHook } from './hooks.js';
export { type DecodedJwt, decodeJwt, decodeJwtSegment } from './jws.js';
export {
  discoverIssuer,
  discoveryUrls,
  getIssuerDiscovery,
  getIssuerJwks,
  type IssuerDiscovery,
  type IssuerMetadata,
} from './keys/discovery.js';
export { KeySourceError, type KeySourceErrorKind, MAX_RESPONSE_BYTES } from './keys/fetch-json.js';
export type { KeySourceEventOption } from './keys/log.js';
export {
  assertKeySourceUrl,
  createRemoteJwks,
  getRemoteJwks,
  type KeySourceEvent,
  type RemoteJwk,
  type RemoteJwks,
  type RemoteJwksOptions,
  type RemoteKeySet,
  type RemoteKeySourceStats,
} from './keys/remote.js';
export { createMemoryRevocationStore, type MemoryRevocationStoreOptions } from './memory-revocation.js';
export {
  type GuardCarrier,
  type OpenApiSecurityRequirement,
  type OpenApiSecurityScheme,
  type SecurityRequirementInput,
  type SecurityRequirementOptions,
  type SecuritySchemeOptions,
  securityRequirement,
  securityScheme,
} from './openapi.js';
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
} from './options.js';
export { resourceAudiences, resourceMetadataUrl } from './resource.js';
export {
  buildResourceMetadata,
  createResourceMetadataEndpoint,
  type ProtectedResourceMetadata,
  RESOURCE_METADATA_MAX_AGE,
  type ResourceMetadataEndpoint,
  type ResourceMetadataResponse,
} from './resource-metadata.js';
export {
  assertRevocationId,
  assertRevocationTolerance,
  type Instant,
  isRevokedBy,
  isWellFormedString,
  REVOCATION_LEEWAY_SECONDS,
  type RevocationCheck,
  type RevocationStore,
  toEpochSeconds,
} from './revocation.js';
export type { StandardSchemaV1 } from './schema.js';
export {
  assertBearerSyntax,
  type Extracted,
  extractToken,
  type NodeRequestShape,
  nodeRequest,
  parseAuthorization,
  type RequestLike,
  readCookie,
  type TokenSource,
} from './token-sources.js';
export { createVerifier, type RequestSettings, type Verifier } from './verifier.js';
