import {
  argumentsOf,
  claimIn,
  type PresetOptions,
  pointerToken,
  requireBaseUrl,
  requireString,
  requireStrings,
} from './shared.js';

/** Arguments of {@link keycloak}. */
export interface KeycloakPresetOptions {
  /** The server's base URL, e.g. `https://sso.example.com` (with `/auth` on Keycloak before 17). */
  url: string;
  /** The realm. */
  realm: string;
  /** Expected `aud` (Keycloak adds a client to `aud` through an audience mapper). */
  audience: string | readonly string[];
  /** A client id whose client roles (`resource_access.<clientId>.roles`) join the realm roles. */
  clientId?: string;
}

/**
 * Keycloak access tokens: issuer `<url>/realms/<realm>`, the realm's keys
 * (`/protocol/openid-connect/certs`), the `typ` claim `Bearer` (an ID token, `typ: 'ID'`, is
 * refused with 401 `claims`), realm roles and, with `clientId`, that client's roles (read by
 * JSON Pointer: client ids may contain dots).
 *
 * @example
 * ```ts
 * app.use(jwtAuth(keycloak({ url: 'https://sso.example.com', realm: 'acme', audience: 'orders-api', clientId: 'com.example.orders' })));
 * ```
 * @see https://www.keycloak.org/docs/latest/securing_apps/#_oidc
 */
export function keycloak(options: KeycloakPresetOptions): PresetOptions {
  const { url, realm, audience, clientId } = argumentsOf('keycloak', options);
  const base = requireBaseUrl('keycloak', 'url', url);
  requireString('keycloak', 'realm', realm);
  const issuer = `${base}/realms/${encodeURIComponent(realm)}`;
  return {
    issuer,
    jwksUri: `${issuer}/protocol/openid-connect/certs`,
    audience: requireStrings('keycloak', 'audience', audience),
    scopeClaim: 'scope',
    rolesClaim: [
      '/realm_access/roles',
      ...(clientId === undefined
        ? []
        : [`/resource_access/${pointerToken(requireString('keycloak', 'clientId', clientId))}/roles`]),
    ],
    claimCheck: [claimIn('typ', ['Bearer'], '"typ" claim "Bearer" (an access token)')],
  };
}
