import type { ResolvedIssuerOptions, ResolvedTokengateOptions } from '../config/declarations.js';
import { REMOTE_TIMINGS } from '../config/duration.js';
import type {
  IssuerOptions,
  JsonWebKeySet,
  PublicKeyInput,
  Secret,
  SecretResolver,
} from '../config/issuer-options.js';
import { list } from '../config/validate.js';
import type { CryptoBackend } from '../crypto/index.js';
import { ALGORITHMS, type Algorithm, isSymmetric } from '../token/algorithms.js';
import { isIssuerTemplate } from '../token/issuer-template.js';
import { chain, importJwks, importPublicKey, importSecrets } from './import.js';
import { type KeySource, pendingKeySource, staticKeySource } from './key-set.js';
import { keySourceListener } from './remote/events.js';
import { createRemoteKeySource } from './remote/key-source.js';
import type { RemoteJwksOptions } from './remote/options.js';
import { validateKeySourceUrl } from './remote/url-rules.js';
import { secretResolverSource } from './secret-resolver.js';

/** The options that name a key source (a `secret` may stand beside one of the others). */
export const KEY_OPTIONS = ['secret', 'publicKey', 'jwks', 'jwksUri', 'certificatesUri'] as const;

/** Validates the shape of the `secret` option (its bytes are checked when imported). */
export function validateSecretOption(value: unknown, label: string): IssuerOptions['secret'] {
  const one = (v: unknown) => typeof v === 'string' || v instanceof Uint8Array;
  if (typeof value === 'function' || one(value) || Array.isArray(value)) {
    return value as IssuerOptions['secret'];
  }
  throw new TypeError(`tokengate: ${label} must be a string, a Uint8Array, a list of them or a function`);
}

/** Validates the shape of the `publicKey` option (the key itself is checked when imported). */
export function validatePublicKeyOption(value: unknown, label: string): PublicKeyInput {
  if (typeof value === 'string' || (typeof value === 'object' && value !== null))
    return value as PublicKeyInput;
  throw new TypeError(`tokengate: ${label} must be a PEM string, a JWK, a CryptoKey or a KeyObject`);
}

/** Validates the `jwks` option: a JSON Web Key Set without symmetric keys. */
export function validateJwksOption(value: unknown, label: string): JsonWebKeySet {
  const set = value as JsonWebKeySet;
  if (typeof set !== 'object' || set === null || !Array.isArray(set.keys)) {
    throw new TypeError(`tokengate: ${label} must be a JSON Web Key Set ({ keys: [...] })`);
  }
  if (set.keys.some((k) => (k as { kty?: unknown })?.kty === 'oct')) {
    throw new TypeError(`tokengate: ${label} contains a symmetric ("oct") key; use option "secret" for HMAC`);
  }
  return set;
}

/** Validates the `jwksUri` option: an https URL (http on loopback hosts). */
export function validateJwksUriOption(value: unknown, label: string): string | URL {
  if (typeof value !== 'string' && !(value instanceof URL)) {
    throw new TypeError(`tokengate: ${label} must be a URL string`);
  }
  validateKeySourceUrl(value, 'jwksUri');
  return value;
}

/** Validates the `certificatesUri` option: an https URL (http on loopback hosts). */
export function validateCertificatesUriOption(value: unknown, label: string): string | URL {
  if (typeof value !== 'string' && !(value instanceof URL)) {
    throw new TypeError(`tokengate: ${label} must be a URL string`);
  }
  validateKeySourceUrl(value, 'certificatesUri');
  return value;
}

/** The public-key options: at most one may be given (a `secret` may stand beside it). */
const PUBLIC_KEY_OPTIONS = ['publicKey', 'jwks', 'jwksUri', 'certificatesUri'] as const;

type KeyChoice = { keys: KeySource; algorithms: readonly Algorithm[] };

/**
 * The options of remote sources (key sets, discovery, introspection) from the top-level options:
 * the remote timings, `fetch`, and the key-source event listener.
 */
export function remoteFetchOptions(top: ResolvedTokengateOptions): RemoteJwksOptions {
  const fetchOptions: RemoteJwksOptions = {};
  for (const name of [
    ...(Object.keys(REMOTE_TIMINGS) as (keyof typeof REMOTE_TIMINGS)[]),
    'fetch',
    'keyCache',
  ] as const) {
    if (top[name] !== undefined) (fetchOptions as Record<string, unknown>)[name] = top[name];
  }
  const onEvent = keySourceListener(top.onKeySourceEvent);
  if (onEvent) fetchOptions.onEvent = onEvent;
  return fetchOptions;
}

/**
 * The key source of one issuer profile (`secret`, `publicKey`, `jwks`, `jwksUri`,
 * `certificatesUri`, or OIDC discovery from `issuer`) and the algorithms it may verify. A `secret`
 * may stand beside one public-key source (a provider migrating from HS256 to asymmetric keys):
 * each verifies only the algorithms it fits, chosen by the token's `alg` — an HMAC algorithm only
 * with the secret, any other only with the public keys. `given` is the profile's options as
 * written (to tell an option given as `undefined` from one left out), `resolved` the same
 * validated. Throws a `TypeError` for a configuration mistake (two public-key sources, algorithm
 * confusion, an unusable key set).
 */
export function resolveKeySource(
  given: IssuerOptions,
  resolved: ResolvedIssuerOptions,
  top: ResolvedTokengateOptions,
  backend: CryptoBackend,
  where: string,
): KeyChoice {
  const sources = PUBLIC_KEY_OPTIONS.filter((name) => resolved[name] !== undefined);
  if (sources.length > 1) {
    throw new TypeError(
      `tokengate: options ${sources.map((g) => `"${g}"`).join(' and ')}${where} are exclusive; give one public-key source`,
    );
  }
  const explicit = resolved.algorithms;
  if (resolved.secret === undefined) return publicKeySource(given, resolved, top, backend, where, explicit);
  if (sources.length === 0) return secretSource(resolved, backend, where, explicit);
  // A secret beside public keys: each gets the part of the allow-list it fits.
  const hmac = explicit?.filter(isSymmetric);
  const other = explicit?.filter((a) => !isSymmetric(a));
  if (explicit !== undefined && (hmac!.length === 0 || other!.length === 0)) {
    throw new TypeError(
      `tokengate: option "algorithms"${where} must list an HMAC algorithm for "secret" and another for "${sources[0]}" when both are given`,
    );
  }
  const secret = secretSource(resolved, backend, where, hmac);
  const pub = publicKeySource(given, resolved, top, backend, where, other);
  return { keys: byAlgorithm(secret.keys, pub.keys), algorithms: [...secret.algorithms, ...pub.algorithms] };
}

/** Two key sources, each asked only for the tokens whose `alg` it fits: HMAC or not. */
function byAlgorithm(secret: KeySource, pub: KeySource): KeySource {
  return {
    symmetric: false,
    keysFor: (header, payload) =>
      isSymmetric(header.alg) ? secret.keysFor(header, payload) : pub.keysFor(header, payload),
    fixed: secret.fixed && pub.fixed,
    ready: () => Promise.all([secret.ready(), pub.ready()]).then(() => {}),
  };
}

function secretSource(
  resolved: ResolvedIssuerOptions,
  backend: CryptoBackend,
  where: string,
  explicit: readonly Algorithm[] | undefined,
): KeyChoice {
  if (explicit?.some((a) => !isSymmetric(a))) {
    throw new TypeError(
      `tokengate: option "algorithms"${where} lists an asymmetric algorithm but the key source is a "secret"`,
    );
  }
  const algorithms = explicit ?? ['HS256'];
  const secret = resolved.secret!;
  const keys =
    typeof secret === 'function'
      ? secretResolverSource(secret as SecretResolver, backend, algorithms)
      : staticKeySource(importSecrets(list(secret as Secret) as Secret[], backend, algorithms), true, false);
  return { keys, algorithms };
}

function publicKeySource(
  given: IssuerOptions,
  resolved: ResolvedIssuerOptions,
  top: ResolvedTokengateOptions,
  backend: CryptoBackend,
  where: string,
  explicit: readonly Algorithm[] | undefined,
): KeyChoice {
  if (explicit?.some(isSymmetric)) {
    throw new TypeError(
      `tokengate: option "algorithms"${where} lists an HMAC algorithm, which is never accepted with public keys (algorithm confusion)`,
    );
  }
  const algorithms = explicit ?? ALGORITHMS.filter((a) => !isSymmetric(a));
  if (resolved.publicKey !== undefined) {
    const key = importPublicKey(resolved.publicKey, backend, explicit);
    return {
      keys: pendingKeySource(
        chain(key, (k) => [k]),
        false,
      ),
      algorithms,
    };
  }
  if (resolved.jwks !== undefined) {
    const imported = chain(importJwks(resolved.jwks, backend, explicit), (result) => {
      if (result.keys.length === 0) {
        throw new TypeError(
          `tokengate: option "jwks"${where} has no usable key (${result.skipped.join('; ') || 'empty'})`,
        );
      }
      return result.keys;
    });
    return { keys: pendingKeySource(imported, true), algorithms };
  }
  const fetchOptions = remoteFetchOptions(top);
  const remote = { backend, algorithms: explicit, fetchOptions };
  if (resolved.jwksUri !== undefined)
    return { keys: createRemoteKeySource({ ...remote, jwksUri: resolved.jwksUri }), algorithms };
  if (resolved.certificatesUri !== undefined)
    return {
      keys: createRemoteKeySource({ ...remote, certificatesUri: resolved.certificatesUri }),
      algorithms,
    };
  const issuers = resolved.issuer && [...resolved.issuer];
  const blank = [...KEY_OPTIONS, 'issuer'].find((name) => name in given);
  if (blank !== undefined && (issuers === undefined || blank !== 'issuer')) {
    throw new TypeError(
      `tokengate: option "${blank}"${where} was given but is undefined (an unset environment variable?)`,
    );
  }
  if (issuers === undefined) {
    throw new TypeError(
      `tokengate: no key source${where}: give "secret", "publicKey", "jwks", "jwksUri", "certificatesUri", or "issuer" (OIDC discovery)`,
    );
  }
  if (issuers.length !== 1) {
    throw new TypeError(
      `tokengate: OIDC discovery needs exactly one "issuer"${where}; for several spellings of one issuer give its "jwksUri" (or "certificatesUri"), for several issuers use "issuers"`,
    );
  }
  if (isIssuerTemplate(issuers[0]!)) {
    throw new TypeError(
      `tokengate: issuer template ${JSON.stringify(issuers[0])}${where} needs a key source ("jwksUri", "certificatesUri"…): discovery per tenant would let a token choose what is fetched`,
    );
  }
  return { keys: createRemoteKeySource({ ...remote, issuer: issuers[0]! }), algorithms };
}
