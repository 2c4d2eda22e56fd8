import type { JwtClaims, JwtHeader } from '../context/types.js';
import type { CryptoBackend } from '../crypto/index.js';
import { AuthError } from '../errors/auth-error.js';
import { KEY_OPTIONS, remoteFetchOptions, resolveKeySource } from '../keys/from-options.js';
import { type KeySource, unknownKey } from '../keys/key-set.js';
import { createIntrospector, type Introspector } from '../oauth/introspection/introspector.js';
import type { ClaimPaths } from '../policy/claim-paths.js';
import { validateRevocationTolerance } from '../revocation/store.js';
import { ALGORITHMS, type Algorithm } from '../token/algorithms.js';
import { type ClaimsPolicy, DEFAULT_TYP } from '../token/claims.js';
import {
  type IssuerTemplate,
  isIssuerTemplate,
  matchesTemplate,
  resolveIssuerTemplate,
} from '../token/issuer-template.js';
import {
  ISSUER_OPTION_NAMES,
  ISSUER_OPTIONS,
  issuerScope,
  type ResolvedIssuerOptions,
  type ResolvedTokengateOptions,
} from './declarations.js';
import { resolveOptions, validateOptionNames } from './declare.js';
import { REMOTE_TIMINGS, toMilliseconds } from './duration.js';
import type { IssuerOptions, IssuerResolver } from './issuer-options.js';
import { IssuerResolverCache } from './issuer-resolver.js';
import type { TokengateOptions } from './options.js';

/** Everything that depends on the token's issuer: claims rules, keys, algorithms, claim paths. */
export interface Profile {
  readonly index: number;
  readonly issuer: string | undefined;
  readonly policy: ClaimsPolicy;
  readonly keys: KeySource;
  readonly algorithms: ReadonlySet<Algorithm>;
  readonly scopeClaims: ClaimPaths;
  readonly roleClaims: ClaimPaths;
  /** How opaque tokens are introspected (the `introspection` option), when they are. */
  readonly introspection: Introspector | undefined;
  /**
   * `true` when the profile introspects and has no local key source: every token, JWS or not,
   * goes to introspection.
   */
  readonly introspectAll: boolean;
}

/** The source of a profile that only introspects: a JWS never reaches it (see `introspectAll`). */
const NO_KEYS: KeySource = {
  symmetric: false,
  fixed: true,
  keysFor: () => {
    throw unknownKey('no local key source is configured');
  },
  ready: async () => {},
};

/** The issuer profiles of one verifier, and how a token picks one. */
export interface Profiles {
  readonly list: readonly Profile[];
  /** Every algorithm some profile accepts (checked before the profile is chosen). */
  readonly allowed: ReadonlySet<Algorithm>;
  /** The one profile that introspects opaque tokens, if any. */
  readonly introspecting: Profile | undefined;
  /**
   * The profile for an (unverified) token: the only one, or the one its `iss` names (a listed
   * spelling, a template it fills, or the `issuers` function's answer, a promise until the
   * function has answered for this `iss`).
   * @throws AuthError `invalid_token` (`issuer`) for an issuer nobody lists or resolves.
   */
  select(payload: JwtClaims, header: JwtHeader): Profile | Promise<Profile>;
}

function resolvePolicy(
  given: IssuerOptions,
  options: ResolvedIssuerOptions,
  where: string,
  resourceAudiences?: ReadonlySet<string>,
): ClaimsPolicy {
  // `audience: process.env.API_AUDIENCE` with the variable unset would switch the check off.
  if ('audience' in given && given.audience === undefined) {
    throw new TypeError(
      `tokengate: option "audience"${where} was given but is undefined (an unset environment variable?); leave it out to accept any audience`,
    );
  }
  const spellings = options.issuer && [...options.issuer];
  const templates = spellings
    ?.filter(isIssuerTemplate)
    .map((t) => resolveIssuerTemplate(t, `option "issuer"${where}`));
  return {
    issuers: spellings && new Set(spellings.filter((i) => !isIssuerTemplate(i))),
    issuerTemplates: templates?.length ? templates : undefined,
    audiences: options.audience ?? resourceAudiences,
    tolerance: options.clockTolerance,
    maxTokenAge: options.maxTokenAge,
    maxTokenLifetime: options.maxTokenLifetime,
    required: [...new Set([...(options.requireExp ? ['exp'] : []), ...options.requiredClaims])],
    typ: options.typ,
    // RFC 9068's claims only when `at+jwt` was asked for (the default accepts it without them).
    accessTokenClaims: options.typ !== DEFAULT_TYP && options.typ.has('at+jwt'),
    checks: options.claimCheck,
  };
}

function untrusted(): AuthError {
  return new AuthError('invalid_token', 'token issuer is not trusted', { reason: 'issuer' });
}

/**
 * Resolves the issuer profiles: one from the top-level options, or one per `issuers` entry (each
 * inheriting the top-level issuer options), or one per issuer an `issuers` function accepts.
 * Throws a `TypeError` for a configuration mistake.
 */
export function resolveProfiles(
  options: TokengateOptions<any>,
  resolved: ResolvedTokengateOptions,
  backend: CryptoBackend,
): Profiles {
  const profiles: Profile[] = [];
  const byIssuer = new Map<string, Profile>();
  const templates: { template: IssuerTemplate; profile: Profile }[] = [];
  const resourceAudiences = resolved.resource?.audiences;
  const makeProfile = (
    entry: IssuerOptions,
    issuer: ResolvedIssuerOptions,
    where: string,
    listed = true,
  ): Profile => {
    const introspection = issuer.introspection;
    const introspectAll =
      introspection !== undefined &&
      issuer.issuer === undefined &&
      KEY_OPTIONS.every((name) => issuer[name] === undefined);
    const { keys, algorithms } = introspectAll
      ? { keys: NO_KEYS, algorithms: [] }
      : resolveKeySource(entry, issuer, resolved, backend, where);
    const issuers = issuer.issuer && [...issuer.issuer];
    const profile: Profile = {
      index: listed ? profiles.length : -1,
      issuer: typeof entry.issuer === 'string' ? entry.issuer : undefined,
      policy: resolvePolicy(entry, issuer, where, resourceAudiences),
      keys,
      algorithms: new Set(algorithms),
      scopeClaims: issuer.scopeClaim,
      roleClaims: issuer.rolesClaim,
      introspection:
        introspection &&
        createIntrospector(introspection, {
          issuer: issuers?.length === 1 ? issuers[0] : undefined,
          remote: remoteFetchOptions(resolved),
          timeout:
            resolved.timeoutDuration === undefined
              ? REMOTE_TIMINGS.timeoutDuration.default
              : toMilliseconds(resolved.timeoutDuration, 'timeoutDuration'),
          backend,
          where,
        }),
      introspectAll,
    };
    if (listed) profiles.push(profile);
    return profile;
  };

  let resolver: IssuerResolverCache<Profile> | undefined;
  if (resolved.issuers !== undefined) {
    const shared = KEY_OPTIONS.filter((k) => options[k] !== undefined);
    if (options.issuer !== undefined || shared.length > 0) {
      throw new TypeError(
        'tokengate: with "issuers", give "issuer" and key options inside each entry, not at the top level',
      );
    }
    // The top-level issuer options (already validated) are each entry's defaults.
    const defaults: Record<string, unknown> = {};
    for (const name of ISSUER_OPTION_NAMES) {
      if (name !== 'issuer' && options[name] !== undefined) defaults[name] = options[name];
    }
    if (typeof resolved.issuers === 'function') {
      const where = ' (an answer of the "issuers" function)';
      resolver = new IssuerResolverCache(resolved.issuers as IssuerResolver, (answer, iss) => {
        validateOptionNames(answer, ISSUER_OPTIONS, { in: 'the "issuers" function\'s answer' });
        const merged: IssuerOptions = { ...defaults, issuer: iss, ...answer };
        const issuer = resolveOptions(ISSUER_OPTIONS, merged, { where });
        const profile = makeProfile(merged, issuer, where, false);
        if (resolved.revocation)
          validateRevocationTolerance(profile.policy.tolerance, `clockTolerance${where}`);
        return profile;
      });
    } else {
      resolved.issuers.forEach((entry: IssuerOptions, i: number) => {
        if (typeof entry !== 'object' || entry === null)
          throw new TypeError(`tokengate: issuers[${i}] must be an object`);
        validateOptionNames(entry, ISSUER_OPTIONS, issuerScope(i));
        const spellings = typeof entry.issuer === 'string' ? [entry.issuer] : entry.issuer;
        if (
          !Array.isArray(spellings) ||
          spellings.length === 0 ||
          spellings.some((s) => typeof s !== 'string' || s === '')
        ) {
          throw new TypeError(`tokengate: issuers[${i}].issuer must be a non-empty string or a list of them`);
        }
        const merged: IssuerOptions = { ...defaults, ...entry };
        const issuer = resolveOptions(ISSUER_OPTIONS, merged, issuerScope(i));
        const profile = makeProfile(merged, issuer, issuerScope(i).where);
        for (const spelling of spellings as string[]) {
          if (byIssuer.has(spelling) || templates.some((t) => t.template.source === spelling))
            throw new TypeError(`tokengate: issuer ${JSON.stringify(spelling)} is listed twice`);
          if (isIssuerTemplate(spelling))
            templates.push({ template: resolveIssuerTemplate(spelling, `issuers[${i}].issuer`), profile });
          else byIssuer.set(spelling, profile);
        }
      });
    }
  } else {
    makeProfile(options, resolved, '');
  }
  const single = profiles.length === 1 && resolved.issuers === undefined ? profiles[0] : undefined;
  const introspecting = profiles.filter((p) => p.introspection !== undefined);
  if (introspecting.length > 1) {
    throw new TypeError(
      `tokengate: option "introspection" is given for ${introspecting.length} issuers (${introspecting.map((p) => `issuers[${p.index}]`).join(', ')}); an opaque token does not say which server issued it, so give "introspection" to one issuers entry (and not at the top level, which every entry inherits)`,
    );
  }
  const found = (profile: Profile | undefined): Profile => {
    if (profile === undefined) throw untrusted();
    return profile;
  };
  return {
    introspecting: introspecting[0],
    list: profiles,
    // An `issuers` function may answer with any algorithm; its profile's own list is then checked.
    allowed: resolver ? new Set(ALGORITHMS) : new Set(profiles.flatMap((p) => [...p.algorithms])),
    select(payload, header) {
      if (single) return single;
      const iss = payload.iss;
      if (typeof iss !== 'string') throw untrusted();
      const listed = byIssuer.get(iss);
      if (listed !== undefined) return listed;
      for (const { template, profile } of templates)
        if (matchesTemplate(template, iss, payload)) return profile;
      // No issuer is spelt with braces: such an `iss` could only be a made-up template.
      if (resolver === undefined || isIssuerTemplate(iss)) throw untrusted();
      const answer = resolver.get(iss, header, payload);
      return answer instanceof Promise ? answer.then(found) : found(answer);
    },
  };
}
