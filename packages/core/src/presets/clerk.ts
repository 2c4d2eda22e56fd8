import type { JwtClaims } from '../context/types.js';
import { argumentsOf, type PresetOptions, requireBaseUrl, requireStrings } from './shared.js';

/** Arguments of {@link clerk}. */
export interface ClerkPresetOptions {
  /** The Frontend API URL, e.g. `https://clerk.example.com` or `https://<slug>.clerk.accounts.dev`. */
  issuer: string;
  /** The origins allowed to have requested the token (`azp`), e.g. `['https://app.example.com']`. */
  authorizedParties: readonly string[];
}

/**
 * Clerk session tokens: the instance's issuer and `/.well-known/jwks.json`, and `azp` among your
 * `authorizedParties` (401 `claims` otherwise; as Clerk's `verifyToken`, a token without `azp` is
 * not refused for it); the organization role (`org_role`, or `o.rol` in v2 tokens) as role and
 * `org_permissions` as scopes.
 *
 * @example
 * ```ts
 * app.use(jwtAuth(clerk({ issuer: 'https://clerk.example.com', authorizedParties: ['https://app.example.com'] })));
 * ```
 * @see https://clerk.com/docs/guides/sessions/manual-jwt-verification
 */
export function clerk(options: ClerkPresetOptions): PresetOptions {
  const { issuer, authorizedParties } = argumentsOf('clerk', options);
  const base = requireBaseUrl('clerk', 'issuer', issuer);
  const parties = new Set(requireStrings('clerk', 'authorizedParties', authorizedParties));
  const checkParty = (claims: JwtClaims): true | string => {
    const azp = claims.azp;
    if (azp === undefined || (typeof azp === 'string' && parties.has(azp))) return true;
    return 'token "azp" is not an authorized party';
  };
  return {
    issuer: base,
    jwksUri: `${base}/.well-known/jwks.json`,
    algorithms: ['RS256'],
    scopeClaim: 'org_permissions',
    rolesClaim: ['org_role', '/o/rol'],
    claimCheck: [checkParty],
  };
}
