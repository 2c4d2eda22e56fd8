import type { CryptoBackend } from '../../crypto/index.js';
import type { Algorithm } from '../../token/algorithms.js';
import { importCertificates, importJwks } from '../import.js';
import { type KeySource, selectKeys, type VerificationKey } from '../key-set.js';
import { isCertificateEntry } from './certificate-map.js';
import { getIssuerJwks } from './issuer-jwks.js';
import type { RemoteJwksOptions } from './options.js';
import { getRemoteCertificates, getRemoteJwks, type RemoteJwk, type RemoteJwks } from './remote-jwks.js';

/**
 * The verifier's view of remote keys: a `jwksUri` or an issuer's discovered keys as a
 * {@link KeySource}, each fetched key set imported once per version, a held `kid` answered
 * without a fetch or a promise.
 */

/** Options of {@link createRemoteKeySource}. */
export interface RemoteKeySourceOptions {
  /** A JWKS URL, or… */
  jwksUri?: string | URL;
  /** …an X.509 certificate map's URL, or… */
  certificatesUri?: string | URL;
  /** …an issuer whose keys are found by OIDC discovery. */
  issuer?: string;
  /** The signature backend that imports the keys. */
  backend: CryptoBackend;
  /** The app's allow-list, when given. */
  algorithms: readonly Algorithm[] | undefined;
  /** Fetch timing and transport. */
  fetchOptions: RemoteJwksOptions;
}

/**
 * The key source of `jwksUri` and of issuer discovery: the shared remote key set (fetched once
 * per process, refreshed on unknown `kid` with a cooldown, stale-if-error), imported once per
 * key-set version. A `kid` already held is answered synchronously, without a fetch or a promise.
 */
export function createRemoteKeySource(options: RemoteKeySourceOptions): KeySource {
  const remote: RemoteJwks =
    options.jwksUri !== undefined
      ? getRemoteJwks(options.jwksUri, options.fetchOptions)
      : options.certificatesUri !== undefined
        ? getRemoteCertificates(options.certificatesUri, options.fetchOptions)
        : getIssuerJwks(options.issuer!, options.fetchOptions);
  const imported = new WeakMap<readonly RemoteJwk[], VerificationKey[] | Promise<VerificationKey[]>>();

  function keysOf(jwks: readonly RemoteJwk[]): VerificationKey[] | Promise<VerificationKey[]> {
    let keys = imported.get(jwks);
    if (keys === undefined) {
      const result =
        options.certificatesUri !== undefined
          ? importCertificates(
              jwks.filter(isCertificateEntry).map((c) => [c.kid, c.pem] as const),
              options.backend,
              options.algorithms,
            )
          : importJwks({ keys: jwks as unknown as JsonWebKey[] }, options.backend, options.algorithms);
      keys = result instanceof Promise ? result.then((r) => r.keys) : result.keys;
      imported.set(jwks, keys);
    }
    return keys;
  }

  return {
    symmetric: false,
    keysFor(header) {
      const kid = typeof header.kid === 'string' ? header.kid : undefined;
      const held = remote.peek();
      if (held && (kid === undefined || held.keys.some((k) => k.kid === kid))) {
        const keys = keysOf(held.keys);
        return keys instanceof Promise
          ? keys.then((k) => selectKeys(k, header, true))
          : selectKeys(keys, header, true);
      }
      return remote.getKeys(kid).then(async (set) => selectKeys(await keysOf(set.keys), header, true));
    },
    fixed: false,
    onChange: (listener) => remote.subscribe(listener),
    async ready() {
      const set = await remote.getKeys();
      const keys = await keysOf(set.keys);
      if (keys.length === 0)
        throw new TypeError(
          `tokengate: the key set at ${remote.url} has no key usable with the allowed algorithms`,
        );
    },
  };
}
