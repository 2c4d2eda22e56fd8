import type { CryptoBackend } from '../crypto/index.js';
import { createDpop, type DpopRequestSettings } from '../oauth/dpop/proof.js';
import { checkTokenSources, type TokenSource } from '../request/token-sources.js';
import type { TokengateOptions } from './options.js';
import { checkFunction, positiveInt } from './validate.js';

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

/** Validates the request-level options and the hooks; throws a `TypeError` naming the option. */
export function resolveSettings(
  options: TokengateOptions<any>,
  resourceMetadata: string | undefined,
  backend: CryptoBackend,
): RequestSettings {
  for (const hook of ['getToken', 'isRevoked', 'onAuthenticated', 'onError', 'fetch'] as const) {
    checkFunction(options[hook], hook);
  }
  if (options.onKeySourceEvent !== false) {
    checkFunction(options.onKeySourceEvent, 'onKeySourceEvent');
  }
  if (
    options.invalidTokens !== undefined &&
    options.invalidTokens !== 'reject' &&
    options.invalidTokens !== 'anonymous'
  ) {
    throw new TypeError(`tokengate: option "invalidTokens" must be 'reject' or 'anonymous'`);
  }
  if (options.invalidTokens === 'anonymous' && options.credentialsRequired !== false) {
    throw new TypeError(
      `tokengate: option "invalidTokens" ('anonymous') needs option "credentialsRequired" set to false`,
    );
  }
  const settings: RequestSettings = {
    tokenSources: options.tokenSources === undefined ? ['header'] : checkTokenSources(options.tokenSources),
    getToken: options.getToken,
    credentialsRequired: options.credentialsRequired !== false,
    invalidTokens: options.invalidTokens ?? 'reject',
    realm: options.realm,
    resourceMetadata,
    maxTokenLength: positiveInt(options.maxTokenLength, 'maxTokenLength', 8192),
    onAuthenticated: options.onAuthenticated as RequestSettings['onAuthenticated'],
    onError: options.onError as RequestSettings['onError'],
    dpop: createDpop(options.dpop, backend),
  };
  if (settings.realm !== undefined && typeof settings.realm !== 'string') {
    throw new TypeError('tokengate: option "realm" must be a string');
  }
  return settings;
}
