import { validateRealm } from '../errors/challenge.js';
/**
 * Every option of tokengate, declared once: how it is validated and its default. The tables are
 * typed against the option interfaces (`options.ts`, `issuer-options.ts`), so an option added to
 * an interface without an entry here, or an entry without its option, does not compile. The
 * typo guard's known names, the validation and the defaults all come from these tables; checks
 * that involve two options (one key source, `invalidTokens` with `credentialsRequired`, the
 * resource's extras) are made by the resolvers that read the resolved values.
 */
import {
  validateCertificatesUriOption,
  validateJwksOption,
  validateJwksUriOption,
  validatePublicKeyOption,
  validateSecretOption,
} from '../keys/from-options.js';
import { validateKeyCache } from '../keys/remote/key-cache.js';
import { validateDpop } from '../oauth/dpop/options.js';
import { validateIntrospection } from '../oauth/introspection/options.js';
import { resolveResource } from '../oauth/resource.js';
import {
  validateResourceDocumentation,
  validateResourceName,
  validateScopesSupported,
} from '../oauth/resource-metadata.js';
import { DEFAULT_ROLE_CLAIMS, DEFAULT_SCOPE_CLAIMS, validateClaimPath } from '../policy/claim-paths.js';
import { validateTokenSources } from '../request/token-sources.js';
import { validateRevocationStore } from '../revocation/store.js';
import { validateAlgorithms } from '../token/algorithms.js';
import { DEFAULT_TYP, normalizeTyp } from '../token/claims.js';
import { isIssuerTemplate, resolveIssuerTemplate } from '../token/issuer-template.js';
import { validateClaimsSchema } from '../token/schema.js';
import {
  type OptionScope,
  type OptionTable,
  option,
  optionWithDefault,
  type ResolvedOptions,
  resolveOptions,
} from './declare.js';
import { REMOTE_TIMINGS, toMilliseconds, validateSeconds } from './duration.js';
import type { ClaimCheck, IssuerOptions } from './issuer-options.js';
import type { CacheOptions, TokengateOptions } from './options.js';
import {
  list,
  oneOf,
  validateBoolean,
  validateFunction,
  validatePositiveInteger,
  validateStringSet,
} from './validate.js';

const claimPaths = (value: unknown, label: string) =>
  [...validateStringSet(value, label)].map((path) => validateClaimPath(path, label));

/** `issuer`: spellings, each a literal or a `{claim}` template (checked here, used by the policy). */
function validateIssuers(value: unknown, label: string): ReadonlySet<string> {
  const issuers = validateStringSet(value, label);
  for (const issuer of issuers) if (isIssuerTemplate(issuer)) resolveIssuerTemplate(issuer, label);
  return issuers;
}

function validateClaimChecks(value: unknown, label: string): readonly ClaimCheck[] {
  const checks = list(value)!;
  if (checks.some((c) => typeof c !== 'function'))
    throw new TypeError(`tokengate: ${label} must be a function or a list of functions`);
  return checks as readonly ClaimCheck[];
}

/** The options of one issuer profile (top level, or an `issuers` entry). */
export const ISSUER_OPTIONS = {
  secret: option(validateSecretOption),
  publicKey: option(validatePublicKeyOption),
  jwks: option(validateJwksOption),
  jwksUri: option(validateJwksUriOption),
  certificatesUri: option(validateCertificatesUriOption),
  issuer: option(validateIssuers),
  audience: option(validateStringSet),
  algorithms: option(validateAlgorithms),
  clockTolerance: optionWithDefault(validateSeconds, 5),
  maxTokenAge: option(validateSeconds),
  maxTokenLifetime: option(validateSeconds),
  requiredClaims: optionWithDefault((value, label): readonly string[] => {
    const names = list(value)!;
    if (names.some((c) => typeof c !== 'string' || c === '')) {
      throw new TypeError(`tokengate: ${label} must list claim names`);
    }
    return names as readonly string[];
  }, []),
  requireExp: optionWithDefault(validateBoolean, true),
  typ: optionWithDefault((value, label): ReadonlySet<string> => {
    const typ = new Set([...validateStringSet(value, label)].map(normalizeTyp));
    if (typ.has('')) {
      throw new TypeError(`tokengate: ${label} must name a media type ("application/" alone names none)`);
    }
    return typ;
  }, DEFAULT_TYP),
  scopeClaim: optionWithDefault(claimPaths, DEFAULT_SCOPE_CLAIMS),
  rolesClaim: optionWithDefault(claimPaths, DEFAULT_ROLE_CLAIMS),
  introspection: option(validateIntrospection),
  claimCheck: option(validateClaimChecks),
} satisfies OptionTable<IssuerOptions>;

/** The options of the verified-token cache (`cache: { … }`). */
export const CACHE_OPTIONS = {
  maxEntries: optionWithDefault(validatePositiveInteger, 10_000),
  maxAge: optionWithDefault(validateSeconds, 600),
} satisfies OptionTable<CacheOptions>;

/** `cache`: `false`, or its resolved options. */
function validateCache(value: unknown): ResolvedOptions<typeof CACHE_OPTIONS> | false {
  if (value === false) return false;
  if (value === true) return resolveOptions(CACHE_OPTIONS, {});
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TypeError('tokengate: option "cache" must be a boolean or { maxEntries?, maxAge? }');
  }
  return resolveOptions(CACHE_OPTIONS, value, { prefix: 'cache.', in: 'cache' });
}

/** A remote-key timing: checked here at start-up, converted to milliseconds by the key source. */
const remoteTiming = (name: keyof typeof REMOTE_TIMINGS) =>
  option((value) => {
    toMilliseconds(value, name, REMOTE_TIMINGS[name]);
    return value as number | string;
  });

/** The options that are not per issuer. */
const VERIFIER_OPTIONS = {
  issuers: option((value, label) => {
    if (typeof value === 'function') return value as NonNullable<TokengateOptions['issuers']>;
    if (!Array.isArray(value) || value.length === 0) {
      throw new TypeError(`tokengate: ${label} must be a non-empty array or a function`);
    }
    return value as NonNullable<TokengateOptions['issuers']>;
  }),
  claims: option(validateClaimsSchema),
  tokenSources: optionWithDefault(validateTokenSources, ['header']),
  getToken: option(validateFunction<(request: any) => unknown>),
  credentialsRequired: optionWithDefault(validateBoolean, true),
  invalidTokens: optionWithDefault(oneOf('reject', 'anonymous'), 'reject'),
  refusals: optionWithDefault(oneOf('error', 'respond'), 'error'),
  isRevoked: option(validateFunction<(auth: any) => boolean | Promise<boolean>>),
  revocation: option(validateRevocationStore),
  cache: optionWithDefault(validateCache, validateCache(true)),
  onAuthenticated: option(validateFunction<(event: any) => void>),
  onError: option(validateFunction<(event: any) => void>),
  realm: option(validateRealm),
  maxTokenLength: optionWithDefault(validatePositiveInteger, 8192),
  timeoutDuration: remoteTiming('timeoutDuration'),
  cooldownDuration: remoteTiming('cooldownDuration'),
  cacheMaxAge: remoteTiming('cacheMaxAge'),
  staleIfError: remoteTiming('staleIfError'),
  warmup: optionWithDefault(validateBoolean, false),
  onKeySourceEvent: option((value, label) =>
    value === false
      ? false
      : validateFunction<NonNullable<TokengateOptions['onKeySourceEvent']>>(value, label),
  ),
  fetch: option(validateFunction<typeof globalThis.fetch>),
  crypto: optionWithDefault(oneOf('auto', 'node', 'webcrypto'), 'auto'),
  resource: option(resolveResource),
  scopesSupported: option(validateScopesSupported),
  resourceName: option(validateResourceName),
  resourceDocumentation: option(validateResourceDocumentation),
  dpop: option(validateDpop),
  keyCache: option((value, label) => validateKeyCache(value, label)),
} satisfies OptionTable<Omit<TokengateOptions<any, any>, keyof IssuerOptions>>;

/** Every top-level option: the issuer options (defaults for each `issuers` entry) and the rest. */
export const OPTIONS = { ...ISSUER_OPTIONS, ...VERIFIER_OPTIONS } satisfies OptionTable<
  TokengateOptions<any, any>
>;

/** The top-level options, validated and resolved. */
export type ResolvedTokengateOptions = ResolvedOptions<typeof OPTIONS>;

/** The options of one issuer profile, validated and resolved. */
export type ResolvedIssuerOptions = ResolvedOptions<typeof ISSUER_OPTIONS>;

/** The names of the per-issuer options. */
export const ISSUER_OPTION_NAMES = Object.keys(ISSUER_OPTIONS) as (keyof IssuerOptions)[];

/**
 * Validates every top-level option by its declaration (unknown names first) and resolves it.
 * @throws TypeError naming the option.
 */
export function resolveTokengateOptions(options: TokengateOptions<any, any>): ResolvedTokengateOptions {
  return resolveOptions(OPTIONS, options, { in: 'options' });
}

/** Where the options of `issuers[index]` sit, for messages. */
export function issuerScope(index: number): OptionScope & { readonly where: string } {
  return {
    where: ` (issuers[${index}])`,
    in: `issuers[${index}]`,
    outer: Object.keys(VERIFIER_OPTIONS),
  };
}
