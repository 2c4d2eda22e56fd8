import type { JwtClaims } from '../context/types.js';
import type { CryptoBackend } from '../crypto/index.js';
import { AuthError } from '../errors/auth-error.js';
import { KEY_OPTIONS, remoteFetchOptions, resolveKeySource } from '../keys/from-options.js';
import { type KeySource, unknownKey } from '../keys/key-set.js';
import { createIntrospector, type Introspector } from '../oauth/introspection/introspector.js';
import type { ClaimPaths } from '../policy/claim-paths.js';
import type { Algorithm } from '../token/algorithms.js';
import type { ClaimsPolicy } from '../token/claims.js';
import {
  ISSUER_OPTION_NAMES,
  ISSUER_OPTIONS,
  issuerScope,
  type ResolvedIssuerOptions,
  type ResolvedTokengateOptions,
} from './declarations.js';
import { resolveOptions, validateOptionNames } from './declare.js';
import { REMOTE_TIMINGS, toMilliseconds } from './duration.js';
import type { IssuerOptions } from './issuer-options.js';
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
  /** The profile for an (unverified) payload: the only one, or the one its `iss` names. */
  select(payload: JwtClaims): Profile;
  /** The one profile that introspects opaque tokens, if any. */
  readonly introspecting: Profile | undefined;
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
  return {
    issuers: options.issuer,
    audiences: options.audience ?? resourceAudiences,
    tolerance: options.clockTolerance,
    maxTokenAge: options.maxTokenAge,
    maxTokenLifetime: options.maxTokenLifetime,
    required: [...new Set([...(options.requireExp ? ['exp'] : []), ...options.requiredClaims])],
    typ: options.typ,
  };
}

/**
 * Resolves the issuer profiles: one from the top-level options, or one per `issuers` entry (each
 * inheriting the top-level issuer options). Throws a `TypeError` for a configuration mistake.
 */
export function resolveProfiles(
  options: TokengateOptions<any>,
  resolved: ResolvedTokengateOptions,
  backend: CryptoBackend,
): Profiles {
  const profiles: Profile[] = [];
  const byIssuer = new Map<string, Profile>();
  const resourceAudiences = resolved.resource?.audiences;
  const makeProfile = (entry: IssuerOptions, issuer: ResolvedIssuerOptions, where: string): Profile => {
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
      index: profiles.length,
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
    profiles.push(profile);
    return profile;
  };

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
    resolved.issuers.forEach((entry, i) => {
      if (typeof entry !== 'object' || entry === null)
        throw new TypeError(`tokengate: issuers[${i}] must be an object`);
      validateOptionNames(entry, ISSUER_OPTIONS, issuerScope(i));
      if (typeof entry.issuer !== 'string' || entry.issuer === '') {
        throw new TypeError(`tokengate: issuers[${i}].issuer must be a non-empty string`);
      }
      if (byIssuer.has(entry.issuer))
        throw new TypeError(`tokengate: issuer ${JSON.stringify(entry.issuer)} is listed twice`);
      const merged: IssuerOptions = { ...defaults, ...entry };
      const issuer = resolveOptions(ISSUER_OPTIONS, merged, issuerScope(i));
      byIssuer.set(entry.issuer, makeProfile(merged, issuer, issuerScope(i).where));
    });
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
  return {
    introspecting: introspecting[0],
    list: profiles,
    allowed: new Set(profiles.flatMap((p) => [...p.algorithms])),
    select(payload) {
      if (single) return single;
      const profile = typeof payload.iss === 'string' ? byIssuer.get(payload.iss) : undefined;
      if (!profile) throw new AuthError('invalid_token', 'token issuer is not trusted', { reason: 'issuer' });
      return profile;
    },
  };
}
