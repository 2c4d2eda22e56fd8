import type { JwtClaims } from '../context/types.js';
import type { CryptoBackend } from '../crypto/index.js';
import { AuthError } from '../errors/auth-error.js';
import { KEY_OPTIONS, resolveKeySource } from '../keys/from-options.js';
import type { KeySource } from '../keys/key-set.js';
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
}

/** The issuer profiles of one verifier, and how a token picks one. */
export interface Profiles {
  readonly list: readonly Profile[];
  /** Every algorithm some profile accepts (checked before the profile is chosen). */
  readonly allowed: ReadonlySet<Algorithm>;
  /** The profile for an (unverified) payload: the only one, or the one its `iss` names. */
  select(payload: JwtClaims): Profile;
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
    const { keys, algorithms } = resolveKeySource(entry, issuer, resolved, backend, where);
    const profile: Profile = {
      index: profiles.length,
      issuer: typeof entry.issuer === 'string' ? entry.issuer : undefined,
      policy: resolvePolicy(entry, issuer, where, resourceAudiences),
      keys,
      algorithms: new Set(algorithms),
      scopeClaims: issuer.scopeClaim,
      roleClaims: issuer.rolesClaim,
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
  return {
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
