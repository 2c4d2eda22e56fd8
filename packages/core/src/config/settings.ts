import type { CryptoBackend } from '../crypto/index.js';
import { withPublicUrls } from '../oauth/dpop/options.js';
import { createProofChecker, type DpopRequestSettings } from '../oauth/dpop/proof.js';
import type { TokenSource } from '../request/token-sources.js';
import type { ResolvedTokengateOptions } from './declarations.js';

/** Request-level settings, resolved once from the options. */
export interface RequestSettings {
  /** The `tokenSources` option (default `['header']`). */
  readonly tokenSources: readonly TokenSource[];
  /** The `getToken` option. */
  readonly getToken: ((request: any) => unknown) | undefined;
  /** The `credentialsRequired` option (default `true`). */
  readonly credentialsRequired: boolean;
  /** The `invalidTokens` option (default `'reject'`). */
  readonly invalidTokens: 'reject' | 'anonymous';
  /** The `refusals` option (default `'error'`). */
  readonly refusals: 'error' | 'respond';
  /** The `realm` option. */
  readonly realm: string | undefined;
  /** The RFC 9728 metadata URL derived from the `resource` option, announced in challenges. */
  readonly resourceMetadata: string | undefined;
  /** The `maxTokenLength` option (default 8192). */
  readonly maxTokenLength: number;
  /** The `onAuthenticated` hook. */
  readonly onAuthenticated: ((event: any) => void) | undefined;
  /** The `onError` hook. */
  readonly onError: ((event: any) => void) | undefined;
  /** The `dpop` option resolved, with its proof checker; `undefined` when DPoP is off. */
  readonly dpop: DpopRequestSettings | undefined;
}

/**
 * The request-level settings of validated options, after the one check between two of them
 * (`invalidTokens: 'anonymous'` needs `credentialsRequired: false`).
 */
export function resolveSettings(options: ResolvedTokengateOptions, backend: CryptoBackend): RequestSettings {
  if (options.invalidTokens === 'anonymous' && options.credentialsRequired) {
    throw new TypeError(
      `tokengate: option "invalidTokens" ('anonymous') needs option "credentialsRequired" set to false`,
    );
  }
  // DPoP's own URL: `dpop.publicUrl`, or else the origin of `resource` (never the request's Host).
  const dpop = options.dpop && withPublicUrls(options.dpop, options.resource?.resource);
  return {
    tokenSources: options.tokenSources,
    getToken: options.getToken,
    credentialsRequired: options.credentialsRequired,
    invalidTokens: options.invalidTokens,
    refusals: options.refusals,
    realm: options.realm,
    resourceMetadata: options.resource?.metadataUrl,
    maxTokenLength: options.maxTokenLength,
    onAuthenticated: options.onAuthenticated,
    onError: options.onError,
    dpop: dpop && { ...dpop, ...createProofChecker(dpop, backend) },
  };
}
