import type { Algorithm } from '../algorithms.js';
import type { CryptoBackend } from '../crypto/index.js';
import type { AuthError } from '../errors.js';
import type { KeySource } from './sources.js';

/** Options of {@link createRemoteKeySource}. */
export interface RemoteKeySourceOptions {
  jwksUri?: string | URL;
  issuer?: string;
  backend: CryptoBackend;
  algorithms: readonly Algorithm[] | undefined;
  fetchOptions: Record<string, unknown>;
  onError: (error: AuthError) => void;
}

/** Remote JWKS and OIDC discovery key source (wired to the remote fetcher in a following commit). */
export function createRemoteKeySource(_options: RemoteKeySourceOptions): KeySource {
  throw new TypeError('tokengate: remote keys ("jwksUri", issuer discovery) are not wired in yet');
}
