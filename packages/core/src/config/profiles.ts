import type { JwtClaims } from '../context/types.js';
import type { CryptoBackend } from '../crypto/index.js';
import { AuthError } from '../errors/auth-error.js';
import { KEY_OPTIONS, resolveKeySource } from '../keys/from-options.js';
import type { KeySource } from '../keys/key-set.js';
import { type ClaimPaths, DEFAULT_ROLE_CLAIMS, DEFAULT_SCOPE_CLAIMS } from '../policy/claim-paths.js';
import type { Algorithm } from '../token/algorithms.js';
import { type ClaimsPolicy, DEFAULT_TYP, normalizeTyp } from '../token/claims.js';
import { toSeconds } from './duration.js';
import {
  assertKnownOptions,
  ISSUER_OPTION_NAMES,
  type IssuerOptions,
  type TokengateOptions,
} from './options.js';
import { list, stringSet } from './validate.js';

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

function claimPaths(value: unknown, option: string, fallback: ClaimPaths): ClaimPaths {
  const set = stringSet(value, option);
  return set ? [...set] : fallback;
}

function resolvePolicy(
  options: IssuerOptions,
  where: string,
  resourceAudiences?: ReadonlySet<string>,
): ClaimsPolicy {
  // `audience: process.env.API_AUDIENCE` with the variable unset would switch the check off.
  if ('audience' in options && options.audience === undefined) {
    throw new TypeError(
      `tokengate: option "audience"${where} was given but is undefined (an unset environment variable?); leave it out to accept any audience`,
    );
  }
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

function pickIssuerDefaults(options: TokengateOptions<any>): IssuerOptions {
  const defaults: Record<string, unknown> = {};
  for (const name of ISSUER_OPTION_NAMES) {
    if (name !== 'issuer' && (options as Record<string, unknown>)[name] !== undefined) {
      defaults[name] = (options as Record<string, unknown>)[name];
    }
  }
  return defaults as IssuerOptions;
}

/**
 * Resolves the issuer profiles: one from the top-level options, or one per `issuers` entry (each
 * inheriting the top-level issuer options). Throws a `TypeError` for a configuration mistake.
 */
export function resolveProfiles(
  options: TokengateOptions<any>,
  backend: CryptoBackend,
  resourceAudiences?: ReadonlySet<string>,
): Profiles {
  const profiles: Profile[] = [];
  const byIssuer = new Map<string, Profile>();
  const makeProfile = (entry: IssuerOptions, where: string): Profile => {
    const { keys, algorithms } = resolveKeySource(entry, options, backend, where);
    const profile: Profile = {
      index: profiles.length,
      issuer: typeof entry.issuer === 'string' ? entry.issuer : undefined,
      policy: resolvePolicy(entry, where, resourceAudiences),
      keys,
      algorithms: new Set(algorithms),
      scopeClaims: claimPaths(entry.scopeClaim, 'scopeClaim', DEFAULT_SCOPE_CLAIMS),
      roleClaims: claimPaths(entry.rolesClaim, 'rolesClaim', DEFAULT_ROLE_CLAIMS),
    };
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
