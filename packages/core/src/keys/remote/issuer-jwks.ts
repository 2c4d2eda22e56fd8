import { getIssuerDiscovery, type IssuerMetadata } from './discovery.js';
import type { RemoteJwksOptions } from './options.js';
import { getRemoteJwks, type RemoteJwks, type RemoteKeySet } from './remote-jwks.js';

/**
 * An issuer's keys when only the issuer is configured: its discovery document names the
 * `jwks_uri`, whose shared remote JWKS then answers, behind the same {@link RemoteJwks} interface
 * as a configured `jwksUri`.
 */

/**
 * An issuer's keys behind the {@link RemoteJwks} interface: discovery first (cached, see
 * {@link getIssuerDiscovery}), then the shared remote JWKS of the discovered `jwks_uri`
 * ({@link getRemoteJwks}), both with `options`.
 *
 * @example
 * ```ts
 * const keys = getIssuerJwks('https://idp.example.com/');
 * const set = keys.peek() ?? (await keys.getKeys(header.kid));
 * ```
 * @throws TypeError for an insecure or malformed issuer URL, or bad options (a start-up error).
 */
export function getIssuerJwks(issuer: string, options: RemoteJwksOptions = {}): RemoteJwks {
  const discovery = getIssuerDiscovery(issuer, options);
  const jwksFor = (metadata: IssuerMetadata): RemoteJwks => getRemoteJwks(metadata.jwksUri, options);
  let bound: { uri: string; jwks: RemoteJwks } | undefined;
  const jwks = (metadata: IssuerMetadata): RemoteJwks => {
    if (bound?.uri !== metadata.jwksUri) bound = { uri: metadata.jwksUri, jwks: jwksFor(metadata) };
    return bound.jwks;
  };
  return {
    get url() {
      return bound?.uri ?? issuer;
    },
    async getKeys(kid?: string): Promise<RemoteKeySet> {
      const metadata = discovery.peek() ?? (await discovery.get());
      return jwks(metadata).getKeys(kid);
    },
    peek(): RemoteKeySet | undefined {
      const metadata = discovery.peek();
      return metadata && jwks(metadata).peek();
    },
    subscribe(listener: () => void): () => void {
      // The key set of the discovered `jwks_uri` (a context is watched after its token was
      // verified, so discovery has completed); before that there is no set to follow.
      const metadata = discovery.peek();
      return metadata ? jwks(metadata).subscribe(listener) : () => {};
    },
    get stats() {
      return bound
        ? bound.jwks.stats
        : {
            fetches: 0,
            failures: 0,
            lastSuccessAt: undefined,
            lastAttemptAt: undefined,
            lastError: undefined,
          };
    },
  };
}
