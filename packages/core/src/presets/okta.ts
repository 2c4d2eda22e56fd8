import { argumentsOf, type PresetOptions, requireBaseUrl, requireStrings } from './shared.js';

/** Arguments of {@link okta}. */
export interface OktaPresetOptions {
  /** The authorization server's issuer, e.g. `https://acme.okta.com/oauth2/default`. */
  issuer: string;
  /** Expected `aud` (`api://default` for the default authorization server). */
  audience: string | readonly string[];
}

/**
 * Okta access tokens: the authorization server's issuer and its keys (`<issuer>/v1/keys` for a
 * custom authorization server, `<issuer>/oauth2/v1/keys` for the org server), the audience (an
 * ID token, whose `aud` is a client id, is refused: 401 `audience`), scopes from `scp`, groups as
 * roles.
 *
 * @example
 * ```ts
 * app.use(jwtAuth(okta({ issuer: 'https://acme.okta.com/oauth2/default', audience: 'api://default' })));
 * ```
 * @see https://developer.okta.com/docs/guides/validate-access-tokens/
 */
export function okta(options: OktaPresetOptions): PresetOptions {
  const { issuer, audience } = argumentsOf('okta', options);
  const base = requireBaseUrl('okta', 'issuer', issuer);
  const custom = new URL(base).pathname.startsWith('/oauth2/');
  return {
    issuer: base,
    jwksUri: custom ? `${base}/v1/keys` : `${base}/oauth2/v1/keys`,
    audience: requireStrings('okta', 'audience', audience),
    algorithms: ['RS256'],
    scopeClaim: 'scp',
    rolesClaim: 'groups',
    claimCheck: [],
  };
}
