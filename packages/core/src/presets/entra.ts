import type { JwtClaims } from '../context/types.js';
import { argumentsOf, type PresetOptions, requireString } from './shared.js';

/** Arguments of {@link entra}. */
export interface EntraPresetOptions {
  /**
   * The directory (tenant) id, a GUID; or `'common'` / `'organizations'` for a multi-tenant app:
   * any tenant, each token's issuer bound to its own `tid`.
   */
  tenant: string;
  /**
   * The API's application (client) id. v2 tokens carry it as `aud`; v1 tokens (the default of an
   * app registration) carry `api://<client id>`: both are accepted. An App ID URI other than
   * `api://<client id>` may be given instead; it is then the only audience.
   */
  audience: string;
  /** Accept only v1 (`https://sts.windows.net/{tid}/`) or v2 (`…/{tid}/v2.0`) tokens. @default both */
  version?: 1 | 2;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ANY_TENANT = new Set(['common', 'organizations']);

/** Microsoft's web-API libraries refuse an ID token: a token with neither `scp` nor `roles`. */
function refuseIdToken(claims: JwtClaims): true | string {
  return claims.scp !== undefined || claims.roles !== undefined
    ? true
    : 'token has neither "scp" nor "roles" (an ID token is not an access token)';
}

/**
 * Microsoft Entra ID (Azure AD) access tokens for your web API: v1 and v2 issuers, keys from the
 * tenant's (or `common`'s) documented key URL, the client id and `api://<client id>` as audience,
 * ID tokens refused (401 `claims`), scopes from `scp` and app roles from `roles`.
 *
 * @example
 * ```ts
 * app.use(jwtAuth({ ...entra({ tenant: process.env.TENANT_ID!, audience: process.env.CLIENT_ID! }) }));
 * app.use(jwtAuth(entra({ tenant: 'organizations', audience: clientId, version: 2 }))); // any tenant
 * ```
 * @see https://learn.microsoft.com/entra/identity-platform/access-tokens#validate-tokens
 * @throws TypeError for a tenant that is neither a GUID nor `'common'`/`'organizations'`.
 */
export function entra(options: EntraPresetOptions): PresetOptions {
  const { tenant, audience, version } = argumentsOf('entra', options);
  requireString('entra', 'tenant', tenant);
  requireString('entra', 'audience', audience);
  if (!GUID.test(tenant) && !ANY_TENANT.has(tenant)) {
    throw new TypeError(
      'tokengate: entra() option "tenant" must be the tenant id (a GUID: tokens name it, never a domain) or "common"/"organizations"',
    );
  }
  if (version !== undefined && version !== 1 && version !== 2)
    throw new TypeError('tokengate: entra() option "version" must be 1 or 2');
  // Any tenant: the issuer is a template bound to the token's own `tid`.
  const tid = ANY_TENANT.has(tenant) ? '{tid}' : tenant.toLowerCase();
  const issuer = [
    ...(version !== 1 ? [`https://login.microsoftonline.com/${tid}/v2.0`] : []),
    ...(version !== 2 ? [`https://sts.windows.net/${tid}/`] : []),
  ];
  return {
    issuer,
    jwksUri: `https://login.microsoftonline.com/${ANY_TENANT.has(tenant) ? 'common' : tid}/discovery/v2.0/keys`,
    audience: GUID.test(audience) ? [audience, `api://${audience}`] : audience,
    algorithms: ['RS256'],
    scopeClaim: 'scp',
    rolesClaim: 'roles',
    claimCheck: [refuseIdToken],
  };
}
