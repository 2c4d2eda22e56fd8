export type {
  AuthContext,
  AuthErrorCode,
  AuthErrorReason,
  JwtClaims,
  Register,
  TokengateOptions,
} from '@tokengate/core';
export { AuthError, createMemoryRevocationStore, isAuthError } from '@tokengate/core';
export {
  Auth,
  Authenticated,
  AuthenticateWith,
  type AuthParamOptions,
  Public,
  RequireAnyRole,
  RequireAnyScope,
  RequireClaims,
  RequireRole,
  RequireScope,
} from './decorators.js';
export { authErrorOf, TokengateException } from './errors.js';
export { TokengateGuard } from './guard.js';
export type { ClassOrMethodDecorator } from './metadata.js';
export {
  TOKENGATE_OPTIONS,
  TOKENGATE_VERIFIER,
  TokengateModule,
  type TokengateModuleAsyncOptions,
  type TokengateModuleOptions,
} from './module.js';
export {
  type NodeMessage,
  type NodeMiddleware,
  type NodeResponse,
  protectedResourceMetadata,
} from './resource-metadata.js';
