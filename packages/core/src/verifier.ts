import { ALGORITHMS, type Algorithm, isAlgorithm, isSymmetric, quoteAlg } from './algorithms.js';
import { VerifiedContext } from './auth-context.js';
import { TokenCache } from './cache.js';
import { type ClaimsPolicy, checkClaims, checkHeaderType, DEFAULT_TYP, normalizeTyp } from './claims.js';
import type { AuthContext, JwtClaims, JwtHeader } from './context.js';
import { type CryptoBackend, selectBackend } from './crypto/index.js';
import { toSeconds } from './duration.js';
import { AuthError, isAuthError } from './errors.js';
import { callHook } from './hooks.js';
import { decodeJwt } from './jws.js';
import { keySourceListener, logStartupFailure } from './keys/log.js';
import type { RemoteJwksOptions } from './keys/remote.js';
import { createRemoteKeySource } from './keys/remote-source.js';
import {
  chain,
  importJwks,
  importPublicKey,
  importSecrets,
  type KeySource,
  secretResolverSource,
  staticKeySource,
  type VerificationKey,
} from './keys/sources.js';
import {
  assertKnownOptions,
  type ClaimsOf,
  ISSUER_OPTION_NAMES,
  type IssuerOptions,
  OPTION_NAMES,
  type Secret,
  type SecretResolver,
  type TokengateOptions,
} from './options.js';
import { checkResourceOptions } from './resource-metadata.js';
import { assertRevocationTolerance, type RevocationStore } from './revocation.js';
import type { StandardSchemaV1 } from './schema.js';
import { type ClaimPaths, DEFAULT_ROLE_CLAIMS, DEFAULT_SCOPE_CLAIMS } from './scopes.js';
import { checkTokenSources, type TokenSource } from './token-sources.js';

/**
 * Verifies compact JWS tokens against one configuration. Create it once at start-up (it holds
 * imported keys, remote key caches and the verified-token cache) and reuse it for every request.
 */
export interface Verifier<C = ClaimsOf<undefined>> {
  /**
   * Verifies a token: structure, header policy, claims, signature, schema, revocation.
   * @throws AuthError for any unacceptable token (`invalid_token` with a `reason`, or
   * `key_source_unavailable` / `revocation_unavailable` 503s).
   */
  verify(token: string): Promise<AuthContext<C>>;
  /**
   * Loads keys now (discovery and remote JWKS included) and rejects with what went wrong; use it
   * at start-up to surface misconfiguration before the first request. A key source that cannot
   * be had rejects with an `Error` whose message is the 503's {@link AuthError.detail} (the URL
   * and the defect: this is for the operator, not a client), with `code` and `cause` of the 503.
   */
  ready(): Promise<void>;
  /** Request-level settings the adapters use, resolved once. */
  readonly settings: RequestSettings;
}

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
}

interface Profile {
  readonly index: number;
  readonly issuer: string | undefined;
  readonly policy: ClaimsPolicy;
  readonly keys: KeySource;
  readonly algorithms: ReadonlySet<Algorithm>;
  readonly scopeClaims: ClaimPaths;
  readonly roleClaims: ClaimPaths;
}

const KEY_OPTIONS = ['secret', 'publicKey', 'jwks', 'jwksUri'] as const;

function list<T>(value: T | readonly T[] | undefined): readonly T[] | undefined {
  if (value === undefined) return undefined;
  return Array.isArray(value) ? (value as readonly T[]) : [value as T];
}

function stringSet(value: unknown, option: string): ReadonlySet<string> | undefined {
  const values = list(value as string | string[] | undefined);
  if (values === undefined) return undefined;
  if (values.length === 0 || values.some((v) => typeof v !== 'string' || v === '')) {
    throw new TypeError(`tokengate: option "${option}" must be a non-empty string or a list of them`);
  }
  return new Set(values);
}

function claimPaths(value: unknown, option: string, fallback: ClaimPaths): ClaimPaths {
  const set = stringSet(value, option);
  return set ? [...set] : fallback;
}

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

function resolveKeySource(
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
    version: () => 0,
    ready: () => loaded.then(() => {}),
  };
}

function resolvePolicy(
  options: IssuerOptions,
  where: string,
  resourceAudiences?: ReadonlySet<string>,
): ClaimsPolicy {
  const requiredClaims = list(options.requiredClaims) ?? [];
  if (requiredClaims.some((c) => typeof c !== 'string' || c === '')) {
    throw new TypeError(`tokengate: option "requiredClaims"${where} must list claim names`);
  }
  if (options.requireExp !== undefined && typeof options.requireExp !== 'boolean') {
    throw new TypeError(`tokengate: option "requireExp"${where} must be a boolean`);
  }
  const required = [...new Set([...(options.requireExp === false ? [] : ['exp']), ...requiredClaims])];
  const typ = stringSet(options.typ, `typ${where}`);
  const tolerance = toSeconds(options.clockTolerance ?? 5, 'clockTolerance');
  return {
    issuers: stringSet(options.issuer, `issuer${where}`),
    audiences: stringSet(options.audience, `audience${where}`) ?? resourceAudiences,
    tolerance,
    maxTokenAge:
      options.maxTokenAge === undefined ? undefined : toSeconds(options.maxTokenAge, 'maxTokenAge'),
    maxTokenLifetime:
      options.maxTokenLifetime === undefined
        ? undefined
        : toSeconds(options.maxTokenLifetime, 'maxTokenLifetime'),
    required,
    typ: typ ? new Set([...typ].map(normalizeTyp)) : DEFAULT_TYP,
  };
}

function positiveInt(value: unknown, option: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
    throw new TypeError(`tokengate: option "${option}" must be a positive integer`);
  }
  return value;
}

function checkFunction(value: unknown, option: string): void {
  if (value !== undefined && typeof value !== 'function')
    throw new TypeError(`tokengate: option "${option}" must be a function`);
}

/**
 * Creates a {@link Verifier}. Every option is validated here: a mistake (no key source, `none`
 * in `algorithms`, HMAC with public keys, an unknown option name, a malformed duration) throws a
 * `TypeError` at start-up rather than failing requests later.
 *
 * @example
 * ```ts
 * import { createVerifier } from '@tokengate/core';
 * const verifier = createVerifier({ issuer: 'https://idp.example.com/', audience: 'api://orders' });
 * const auth = await verifier.verify(token); // throws AuthError
 * console.log(auth.subject, [...auth.scopes]);
 * ```
 */
export function createVerifier<S extends StandardSchemaV1 | undefined = undefined>(
  options: TokengateOptions<S>,
): Verifier<ClaimsOf<S>> {
  if (typeof options !== 'object' || options === null)
    throw new TypeError('tokengate: options must be an object');
  assertKnownOptions(options, OPTION_NAMES, 'options');
  const backend = selectBackend(options.crypto ?? 'auto');
  for (const hook of ['getToken', 'isRevoked', 'onAuthenticated', 'onError', 'fetch'] as const) {
    checkFunction(options[hook], hook);
  }
  if (options.onKeySourceEvent !== false) {
    checkFunction(options.onKeySourceEvent, 'onKeySourceEvent');
  }
  const schema = options.claims;
  if (schema !== undefined && typeof (schema as StandardSchemaV1)['~standard']?.validate !== 'function') {
    throw new TypeError('tokengate: option "claims" must be a Standard Schema (zod, valibot, arktype, …)');
  }
  const revocation = options.revocation as RevocationStore | undefined;
  if (revocation !== undefined && typeof revocation?.isRevoked !== 'function') {
    throw new TypeError('tokengate: option "revocation" must be a RevocationStore');
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
  const resource = checkResourceOptions(options);
  const settings: RequestSettings = {
    tokenSources: options.tokenSources === undefined ? ['header'] : checkTokenSources(options.tokenSources),
    getToken: options.getToken,
    credentialsRequired: options.credentialsRequired !== false,
    invalidTokens: options.invalidTokens ?? 'reject',
    realm: options.realm,
    resourceMetadata: resource?.metadataUrl,
    maxTokenLength: positiveInt(options.maxTokenLength, 'maxTokenLength', 8192),
    onAuthenticated: options.onAuthenticated as RequestSettings['onAuthenticated'],
    onError: options.onError as RequestSettings['onError'],
  };
  if (settings.realm !== undefined && typeof settings.realm !== 'string') {
    throw new TypeError('tokengate: option "realm" must be a string');
  }
  const reportKeyError = (error: AuthError) =>
    callHook(settings.onError, { error, request: undefined }, 'onError');

  const profiles: Profile[] = [];
  const byIssuer = new Map<string, Profile>();
  const makeProfile = (entry: IssuerOptions, where: string): Profile => {
    const { keys, algorithms } = resolveKeySource(entry, options, backend, where);
    const profile: Profile = {
      index: profiles.length,
      issuer: typeof entry.issuer === 'string' ? entry.issuer : undefined,
      policy: resolvePolicy(entry, where, resource?.audiences),
      keys,
      algorithms: new Set(algorithms),
      scopeClaims: claimPaths(entry.scopeClaim, 'scopeClaim', DEFAULT_SCOPE_CLAIMS),
      roleClaims: claimPaths(entry.rolesClaim, 'rolesClaim', DEFAULT_ROLE_CLAIMS),
    };
    if (revocation) assertRevocationTolerance(profile.policy.tolerance, `clockTolerance${where}`);
    profiles.push(profile);
    return profile;
  };

  if (options.issuers !== undefined) {
    if (!Array.isArray(options.issuers) || options.issuers.length === 0) {
      throw new TypeError('tokengate: option "issuers" must be a non-empty array');
    }
    const shared = KEY_OPTIONS.filter((k) => options[k] !== undefined);
    if (options.issuer !== undefined || shared.length > 0) {
      throw new TypeError(
        'tokengate: with "issuers", give "issuer" and key options inside each entry, not at the top level',
      );
    }
    options.issuers.forEach((entry, i) => {
      const where = ` (issuers[${i}])`;
      if (typeof entry !== 'object' || entry === null)
        throw new TypeError(`tokengate: issuers[${i}] must be an object`);
      assertKnownOptions(entry, ISSUER_OPTION_NAMES, `issuers[${i}]`);
      if (typeof entry.issuer !== 'string' || entry.issuer === '') {
        throw new TypeError(`tokengate: issuers[${i}].issuer must be a non-empty string`);
      }
      if (byIssuer.has(entry.issuer))
        throw new TypeError(`tokengate: issuer ${JSON.stringify(entry.issuer)} is listed twice`);
      const merged: IssuerOptions = { ...pickIssuerDefaults(options), ...entry };
      byIssuer.set(entry.issuer, makeProfile(merged, where));
    });
  } else {
    makeProfile(options, '');
  }
  const single = profiles.length === 1 && options.issuers === undefined ? profiles[0] : undefined;
  const allowed = new Set(profiles.flatMap((p) => [...p.algorithms]));

  let cache: TokenCache | undefined;
  if (options.cache !== false) {
    const cacheOptions = typeof options.cache === 'object' && options.cache !== null ? options.cache : {};
    assertKnownOptions(cacheOptions, new Set(['maxEntries', 'maxAge']), 'cache');
    cache = new TokenCache(
      positiveInt(cacheOptions.maxEntries, 'cache.maxEntries', 10_000),
      toSeconds(cacheOptions.maxAge ?? '10m', 'cache.maxAge'),
    );
  }
  const versionOf = (index: number) => profiles[index]!.keys.version();
  const isRevoked = options.isRevoked;

  async function checkRevocation(auth: AuthContext<any>, profile: Profile): Promise<void> {
    let revoked = isRevoked ? isRevoked(auth) : false;
    if (revoked instanceof Promise) revoked = await revoked;
    if (!revoked && revocation) {
      let stored = revocation.isRevoked(auth, { clockTolerance: profile.policy.tolerance });
      if (stored instanceof Promise) stored = await stored;
      revoked = stored;
    }
    if (revoked === true)
      throw new AuthError('invalid_token', 'token has been revoked', { reason: 'revoked' });
  }

  function profileFor(payload: JwtClaims): Profile {
    if (single) return single;
    const profile = typeof payload.iss === 'string' ? byIssuer.get(payload.iss) : undefined;
    if (!profile) throw new AuthError('invalid_token', 'token issuer is not trusted', { reason: 'issuer' });
    return profile;
  }

  async function verify(token: string): Promise<AuthContext<ClaimsOf<S>>> {
    if (typeof token !== 'string' || token.length === 0) {
      throw new AuthError('invalid_token', 'token is empty', { reason: 'malformed' });
    }
    if (token.length > settings.maxTokenLength) {
      throw new AuthError('invalid_token', `token is longer than ${settings.maxTokenLength} characters`, {
        reason: 'too_large',
      });
    }
    const now = Date.now() / 1000;
    const cached = cache?.get(token, now, versionOf);
    if (cached !== undefined) {
      if (isRevoked || revocation) await checkRevocation(cached, profileFor(cached.payload));
      return cached;
    }
    const { header, payload, signingInput, signature } = decodeJwt(token);
    if (!allowed.has(header.alg as Algorithm)) {
      throw new AuthError('invalid_token', `algorithm ${quoteAlg(header.alg)} is not allowed`, {
        reason: 'alg_not_allowed',
      });
    }
    if (header.crit !== undefined || header.b64 !== undefined) {
      throw new AuthError(
        'invalid_token',
        'token uses JWS extensions ("crit"/"b64") that are not supported',
        { reason: 'malformed' },
      );
    }
    const profile = profileFor(payload);
    if (!profile.algorithms.has(header.alg as Algorithm)) {
      throw new AuthError('invalid_token', `algorithm ${quoteAlg(header.alg)} is not allowed`, {
        reason: 'alg_not_allowed',
      });
    }
    checkHeaderType(header, profile.policy);
    checkClaims(payload, profile.policy, now);
    const version = profile.keys.version();
    let keys = profile.keys.keysFor(header as JwtHeader & { alg: Algorithm }, payload);
    if (keys instanceof Promise) keys = await keys;
    let valid = false;
    for (const key of keys) {
      let result = backend.verify(header.alg as Algorithm, key.key, signingInput, signature);
      if (result instanceof Promise) result = await result;
      if (result) {
        valid = true;
        break;
      }
    }
    if (!valid)
      throw new AuthError('invalid_token', 'token signature is invalid', { reason: 'bad_signature' });
    let claims: unknown = payload;
    if (schema !== undefined) claims = await validateClaims(schema as StandardSchemaV1, payload);
    const auth = new VerifiedContext<ClaimsOf<S>>(token, header, claims as ClaimsOf<S>, payload, profile);
    if (cache) {
      const tolerance = profile.policy.tolerance;
      cache.set(
        token,
        auth,
        {
          now,
          from: typeof payload.nbf === 'number' ? payload.nbf - tolerance : Number.NEGATIVE_INFINITY,
          until: typeof payload.exp === 'number' ? payload.exp + tolerance : Number.POSITIVE_INFINITY,
        },
        version,
        profile.index,
      );
    }
    if (isRevoked || revocation) await checkRevocation(auth, profile);
    return auth;
  }

  let readyPromise: Promise<void> | undefined;
  const verifier: Verifier<ClaimsOf<S>> = {
    verify,
    ready: () => {
      readyPromise ??= Promise.all(profiles.map((p) => p.keys.ready())).then(
        () => {},
        (error: unknown) => {
          // A 503's message is generic (it may reach clients); at start-up, say what failed.
          if (!isAuthError(error) || error.detail === undefined) throw error;
          throw Object.assign(new Error(error.detail, { cause: error.cause ?? error }), { code: error.code });
        },
      );
      return readyPromise;
    },
    settings,
  };
  if (options.warmup) {
    verifier.ready().catch((error: unknown) => {
      if (settings.onError === undefined) logStartupFailure(options.onKeySourceEvent, error);
      else if (isAuthError(error)) reportKeyError(error);
      else
        reportKeyError(new AuthError('key_source_unavailable', (error as Error).message, { cause: error }));
    });
  }
  return verifier;
}

function pickIssuerDefaults(options: TokengateOptions<any>): IssuerOptions {
  const defaults: Record<string, unknown> = {};
  for (const name of ISSUER_OPTION_NAMES) {
    if (name !== 'issuer' && (options as Record<string, unknown>)[name] !== undefined) {
      defaults[name] = (options as Record<string, unknown>)[name];
    }
  }
  return defaults as IssuerOptions;
}

async function validateClaims(schema: StandardSchemaV1, payload: JwtClaims): Promise<unknown> {
  let result = schema['~standard'].validate(payload);
  if (result instanceof Promise) result = await result;
  if (result.issues) {
    const paths = result.issues
      .slice(0, 5)
      .map(
        (issue) =>
          (issue.path ?? []).map((p) => String(typeof p === 'object' ? p.key : p)).join('.') || '(root)',
      );
    throw new AuthError(
      'invalid_token',
      `token claims do not match the schema (at ${[...new Set(paths)].join(', ')})`,
      {
        reason: 'claims',
      },
    );
  }
  return result.value;
}
