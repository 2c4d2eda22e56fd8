import type { IssuerOptions, Secret, SecretResolver, TokengateOptions } from '../config/options.js';
import { list } from '../config/validate.js';
import type { CryptoBackend } from '../crypto/index.js';
import { ALGORITHMS, type Algorithm, isAlgorithm, isSymmetric } from '../token/algorithms.js';
import {
  chain,
  importJwks,
  importPublicKey,
  importSecrets,
  type KeySource,
  secretResolverSource,
  staticKeySource,
  type VerificationKey,
} from './key-set.js';
import { keySourceListener } from './remote/events.js';
import { createRemoteKeySource } from './remote/key-source.js';
import type { RemoteJwksOptions } from './remote/remote-jwks.js';

/** The options that name a key source; at most one may be given. */
export const KEY_OPTIONS = ['secret', 'publicKey', 'jwks', 'jwksUri'] as const;

function checkAlgorithms(value: unknown, where: string): Algorithm[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.length === 0) {
    throw new TypeError(`tokengate: option "algorithms"${where} must be a non-empty array`);
  }
  for (const alg of value) {
    if (typeof alg === 'string' && alg.toLowerCase() === 'none') {
      throw new TypeError(
        'tokengate: option "algorithms" must not contain "none": unsecured tokens are never accepted',
      );
    }
    if (!isAlgorithm(alg)) {
      throw new TypeError(
        `tokengate: option "algorithms"${where}: unsupported algorithm ${JSON.stringify(alg)} (supported: ${ALGORITHMS.join(', ')})`,
      );
    }
  }
  return [...new Set(value as Algorithm[])];
}

/**
 * The key source of one issuer profile (`secret`, `publicKey`, `jwks`, `jwksUri`, or OIDC
 * discovery from `issuer`) and the algorithms it may verify. Throws a `TypeError` for a
 * configuration mistake (two key sources, algorithm confusion, an unusable key set).
 */
export function resolveKeySource(
  options: IssuerOptions,
  defaults: TokengateOptions<any>,
  backend: CryptoBackend,
  where: string,
): { keys: KeySource; algorithms: readonly Algorithm[] } {
  const given = KEY_OPTIONS.filter((name) => options[name] !== undefined);
  if (given.length > 1) {
    throw new TypeError(
      `tokengate: options ${given.map((g) => `"${g}"`).join(' and ')}${where} are exclusive; give one key source`,
    );
  }
  const explicit = checkAlgorithms(options.algorithms, where);
  const source = given[0];
  if (source === 'secret') {
    if (explicit?.some((a) => !isSymmetric(a))) {
      throw new TypeError(
        `tokengate: option "algorithms"${where} lists an asymmetric algorithm but the key source is a "secret"`,
      );
    }
    const algorithms = explicit ?? ['HS256'];
    const secret = options.secret!;
    const keys =
      typeof secret === 'function'
        ? secretResolverSource(secret as SecretResolver, backend, algorithms)
        : staticKeySource(
            importSecrets(list(secret as Secret) as Secret[], backend, algorithms),
            true,
            false,
          );
    return { keys, algorithms };
  }
  if (explicit?.some(isSymmetric)) {
    throw new TypeError(
      `tokengate: option "algorithms"${where} lists an HMAC algorithm, which is never accepted with public keys (algorithm confusion)`,
    );
  }
  const algorithms = explicit ?? ALGORITHMS.filter((a) => !isSymmetric(a));
  if (source === 'publicKey') {
    const key = importPublicKey(options.publicKey!, backend, explicit);
    return {
      keys: lazyStatic(
        chain(key, (k) => [k]),
        false,
      ),
      algorithms,
    };
  }
  if (source === 'jwks') {
    const set = options.jwks!;
    if (typeof set !== 'object' || set === null || !Array.isArray(set.keys)) {
      throw new TypeError(`tokengate: option "jwks"${where} must be a JSON Web Key Set ({ keys: [...] })`);
    }
    if (set.keys.some((k) => (k as { kty?: unknown })?.kty === 'oct')) {
      throw new TypeError(
        `tokengate: option "jwks"${where} contains a symmetric ("oct") key; use option "secret" for HMAC`,
      );
    }
    const imported = chain(importJwks(set, backend, explicit), (result) => {
      if (result.keys.length === 0) {
        throw new TypeError(
          `tokengate: option "jwks"${where} has no usable key (${result.skipped.join('; ') || 'empty'})`,
        );
      }
      return result.keys;
    });
    return { keys: lazyStatic(imported, true), algorithms };
  }
  const fetchOptions: RemoteJwksOptions = {};
  for (const name of [
    'timeoutDuration',
    'cooldownDuration',
    'cacheMaxAge',
    'staleIfError',
    'fetch',
  ] as const) {
    if (defaults[name] !== undefined) (fetchOptions as Record<string, unknown>)[name] = defaults[name];
  }
  const onEvent = keySourceListener(defaults.onKeySourceEvent);
  if (onEvent) fetchOptions.onEvent = onEvent;
  if (source === 'jwksUri') {
    return {
      keys: createRemoteKeySource({
        jwksUri: options.jwksUri!,
        backend,
        algorithms: explicit,
        fetchOptions,
      }),
      algorithms,
    };
  }
  const issuers = list(options.issuer);
  const blank = [...KEY_OPTIONS, 'issuer'].find((name) => name in options);
  if (blank !== undefined && (issuers === undefined || blank !== 'issuer')) {
    throw new TypeError(
      `tokengate: option "${blank}"${where} was given but is undefined (an unset environment variable?)`,
    );
  }
  if (issuers === undefined) {
    throw new TypeError(
      `tokengate: no key source${where}: give "secret", "publicKey", "jwks", "jwksUri", or "issuer" (OIDC discovery)`,
    );
  }
  if (issuers.length !== 1) {
    throw new TypeError(
      `tokengate: OIDC discovery needs exactly one "issuer"${where}; use "issuers" for several`,
    );
  }
  return {
    keys: createRemoteKeySource({
      issuer: issuers[0]!,
      backend,
      algorithms: explicit,
      fetchOptions,
    }),
    algorithms,
  };
}

/** A fixed key set whose import may still be running (WebCrypto imports are async). */
function lazyStatic(keys: VerificationKey[] | Promise<VerificationKey[]>, matchKid: boolean): KeySource {
  if (!(keys instanceof Promise)) return staticKeySource(keys, false, matchKid);
  let source: KeySource | undefined;
  const loaded = keys.then((k) => {
    source = staticKeySource(k, false, matchKid);
    return source;
  });
  loaded.catch(() => {});
  return {
    symmetric: false,
    keysFor: (header, payload) =>
      source ? source.keysFor(header, payload) : loaded.then((s) => s.keysFor(header, payload)),
    fixed: true,
    ready: () => loaded.then(() => {}),
  };
}
