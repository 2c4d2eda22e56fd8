export { type ChallengeParts, buildChallenge } from './challenge.js';
export type {
  AuthContext,
  JwtClaims,
  JwtHeader,
  PublicAuthContext,
  Register,
  RegisteredClaims,
  StandardClaims,
} from './context.js';
export {
  AuthError,
  type AuthErrorBody,
  type AuthErrorCode,
  type AuthErrorInit,
  type AuthErrorReason,
  type BearerErrorToken,
  isAuthError,
} from './errors.js';
export {
  createMemoryRevocationStore,
  type Instant,
  isRevokedBy,
  type MemoryRevocationStoreOptions,
  type RevocationStore,
  toEpochSeconds,
} from './revocation.js';
