import { argumentsOf, type PresetOptions, requireString, requireStrings } from './shared.js';

/** Arguments of {@link auth0}. */
export interface Auth0PresetOptions {
  /** The tenant's domain, without scheme: `acme.eu.auth0.com` or your custom domain. */
  domain: string;
  /** The API identifier (the `audience` the client asked for). */
  audience: string | readonly string[];
}

/**
 * Auth0 access tokens for your API: issuer `https://<domain>/`, the tenant's
 * `/.well-known/jwks.json`, the API identifier as audience (an ID token, whose `aud` is a client
 * id, is refused: 401 `audience`); scopes from `scope` and RBAC `permissions`.
 *
 * @example
 * ```ts
 * app.use(jwtAuth(auth0({ domain: 'acme.eu.auth0.com', audience: 'https://api.example.com' })));
 * ```
 * @see https://auth0.com/docs/secure/tokens/access-tokens/validate-access-tokens
 */
export function auth0(options: Auth0PresetOptions): PresetOptions {
  const { domain, audience } = argumentsOf('auth0', options);
  requireString('auth0', 'domain', domain);
  if (/[/:?#@\s]/.test(domain))
    throw new TypeError(
      'tokengate: auth0() option "domain" is a host name without scheme or path, e.g. "acme.eu.auth0.com"',
    );
  return {
    issuer: `https://${domain}/`,
    jwksUri: `https://${domain}/.well-known/jwks.json`,
    audience: requireStrings('auth0', 'audience', audience),
    algorithms: ['RS256'],
    scopeClaim: ['scope', 'permissions'],
    claimCheck: [],
  };
}
