import { type OptionTable, option, optionWithDefault, resolveOptions } from '../../config/declare.js';
import { type Duration, validateSeconds } from '../../config/duration.js';
import { oneOf, validateBoolean } from '../../config/validate.js';
import { validateKeySourceUrl } from '../../keys/remote/url-rules.js';
import { type ClientKey, validateClientKey } from './client-auth.js';
import { type IntrospectionCacheStore, validateIntrospectionStore } from './store.js';

/**
 * The `introspection` option (RFC 7662): how an opaque token is checked with the authorization
 * server that issued it. Given at the top level or in an `issuers` entry.
 *
 * @example
 * ```ts
 * jwtAuth({
 *   issuer: 'https://idp.example.com/',
 *   resource: 'https://api.example.com/',
 *   introspection: { clientId: 'orders-api', clientSecret: process.env.INTROSPECTION_SECRET },
 * });
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc7662
 */
export interface IntrospectionOptions {
  /**
   * The introspection endpoint. By default the `introspection_endpoint` of the issuer's discovery
   * document (OpenID Connect Discovery, then RFC 8414). `https` is required (`http` only on
   * loopback hosts).
   */
  endpoint?: string | URL;
  /** This resource server's client id at the authorization server. */
  clientId: string;
  /** The client secret, for `client_secret_basic` (the default with a secret) or `client_secret_post`. */
  clientSecret?: string;
  /**
   * A private key for `private_key_jwt` (RFC 7523): a private JWK (its `alg` and `kid` are used
   * when present), or a `CryptoKey` whose algorithm names the signature. Each request carries a
   * fresh client assertion (`jti`), valid 60 s, whose `aud` is the issuer (the endpoint when no
   * issuer is configured).
   */
  privateKey?: JsonWebKey | CryptoKey;
  /**
   * Client authentication: `client_secret_basic` (default with `clientSecret`),
   * `client_secret_post`, or `private_key_jwt` (default with `privateKey`).
   */
  authMethod?: 'client_secret_basic' | 'client_secret_post' | 'private_key_jwt';
  /**
   * Ask for RFC 9701 answers (`Accept: application/token-introspection+jwt`) and accept only
   * those: a JWT signed by the issuer's keys (the profile's key source), whose `iss` is the issuer,
   * whose `aud` names this resource server (`clientId`, or one of its audiences: oidc-provider
   * writes the token's `aud`), with the answer in `token_introspection`.
   * @default false
   * @see https://www.rfc-editor.org/rfc/rfc9701
   */
  jwtResponse?: boolean;
  /**
   * Longest an answer is reused, in seconds or as a duration string. An active answer is never
   * reused past its `exp`; an `active: false` answer at most 10 s (or this, when shorter). `0`
   * asks the server on every request. A token revoked at the authorization server keeps working
   * here for at most this long.
   * @default '1m'
   */
  cacheMaxAge?: Duration;
  /**
   * Most answers kept in memory (oldest dropped first).
   * @default 10000
   */
  cacheMaxEntries?: number;
  /**
   * A cache shared by several instances (`createRedisIntrospectionCache` from `@tokengate/redis`),
   * consulted after the in-process one and filled with every answer. It holds the SHA-256 of each
   * token, never the token.
   */
  store?: IntrospectionCacheStore;
  /**
   * When the authorization server cannot answer (unreachable, slower than `timeoutDuration`, a
   * 5xx, a body that is not JSON, an `active` that is not a boolean), let the request through
   * unauthenticated instead of answering 503: no context (no subject, no scopes), so every guard
   * still refuses; `onError` receives the 503. It never turns an `active: false` into a pass.
   * This is the middleware's (`authenticate`'s) decision: `verifier.verify` itself still rejects
   * with the 503.
   *
   * **Warning:** routes without a guard then serve requests whose token nobody checked.
   * @default false
   */
  failOpen?: boolean;
}

/** The `introspection` option, validated (the endpoint may still come from discovery). */
export interface ResolvedIntrospection {
  readonly endpoint: URL | undefined;
  readonly clientId: string;
  readonly clientSecret: string | undefined;
  readonly privateKey: ClientKey | undefined;
  readonly authMethod: 'client_secret_basic' | 'client_secret_post' | 'private_key_jwt';
  readonly jwtResponse: boolean;
  /** Seconds. */
  readonly cacheMaxAge: number;
  readonly cacheMaxEntries: number;
  readonly store: IntrospectionCacheStore | undefined;
  readonly failOpen: boolean;
}

const nonEmpty = (value: unknown, label: string): string => {
  if (typeof value !== 'string' || value === '')
    throw new TypeError(`tokengate: ${label} must be a non-empty string`);
  return value;
};

const INTROSPECTION_OPTIONS = {
  endpoint: option((value, label) => {
    if (typeof value !== 'string' && !(value instanceof URL))
      throw new TypeError(`tokengate: ${label} must be a URL string`);
    return validateKeySourceUrl(value, label.replace(/^option "|".*$/g, ''));
  }),
  clientId: option(nonEmpty),
  clientSecret: option(nonEmpty),
  privateKey: option(validateClientKey),
  authMethod: option(oneOf('client_secret_basic', 'client_secret_post', 'private_key_jwt')),
  jwtResponse: optionWithDefault(validateBoolean, false),
  cacheMaxAge: optionWithDefault(validateSeconds, 60),
  cacheMaxEntries: optionWithDefault((value, label) => {
    if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0)
      throw new TypeError(`tokengate: ${label} must be a positive integer`);
    return value;
  }, 10_000),
  store: option(validateIntrospectionStore),
  failOpen: optionWithDefault(validateBoolean, false),
} satisfies OptionTable<IntrospectionOptions>;

/**
 * Validates the `introspection` option at start-up.
 * @throws TypeError naming the option (no `clientId`, no credential, a credential that does not
 *   fit `authMethod`, an insecure endpoint).
 */
export function validateIntrospection(value: unknown, label: string): ResolvedIntrospection {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TypeError(`tokengate: ${label} must be an object ({ clientId, clientSecret | privateKey, … })`);
  }
  const where = label.replace(/^option "introspection"/, '');
  const resolved = resolveOptions(INTROSPECTION_OPTIONS, value, { prefix: 'introspection.', where });
  const name = (member: string) => `option "introspection.${member}"${where}`;
  if (resolved.clientId === undefined) throw new TypeError(`tokengate: ${name('clientId')} is required`);
  if (resolved.clientSecret !== undefined && resolved.privateKey !== undefined) {
    throw new TypeError(
      `tokengate: ${name('clientSecret')} and ${name('privateKey')} are exclusive; give one`,
    );
  }
  const authMethod =
    resolved.authMethod ??
    (resolved.privateKey !== undefined
      ? 'private_key_jwt'
      : resolved.clientSecret !== undefined
        ? 'client_secret_basic'
        : undefined);
  if (authMethod === undefined) {
    throw new TypeError(
      `tokengate: ${label} needs "clientSecret" or "privateKey" to authenticate to the server`,
    );
  }
  if (
    authMethod === 'private_key_jwt' ? resolved.privateKey === undefined : resolved.clientSecret === undefined
  ) {
    throw new TypeError(
      `tokengate: ${name('authMethod')} '${authMethod}' needs "${authMethod === 'private_key_jwt' ? 'privateKey' : 'clientSecret'}"`,
    );
  }
  return {
    endpoint: resolved.endpoint,
    clientId: resolved.clientId,
    clientSecret: resolved.clientSecret,
    privateKey: resolved.privateKey,
    authMethod,
    jwtResponse: resolved.jwtResponse,
    cacheMaxAge: resolved.cacheMaxAge,
    cacheMaxEntries: resolved.cacheMaxEntries,
    store: resolved.store,
    failOpen: resolved.failOpen,
  };
}
