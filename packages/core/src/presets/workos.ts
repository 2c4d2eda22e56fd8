import { argumentsOf, type PresetOptions, requireString } from './shared.js';

/** Arguments of {@link workos}. */
export interface WorkosPresetOptions {
  /** The environment's client id, `client_…`. */
  clientId: string;
}

/**
 * WorkOS AuthKit access tokens: the client's JWKS (`https://api.workos.com/sso/jwks/<clientId>`),
 * issuer `https://api.workos.com/user_management/<clientId>` (and `https://api.workos.com`, as
 * the reference shows it); `role`/`roles` as roles and `permissions` as scopes.
 *
 * @example
 * ```ts
 * app.use(jwtAuth(workos({ clientId: process.env.WORKOS_CLIENT_ID! })));
 * ```
 * @see https://workos.com/docs/reference/authkit/session-tokens
 */
export function workos(options: WorkosPresetOptions): PresetOptions {
  const { clientId } = argumentsOf('workos', options);
  requireString('workos', 'clientId', clientId);
  if (!/^client_[A-Za-z0-9]+$/.test(clientId))
    throw new TypeError('tokengate: workos() option "clientId" must be a client id ("client_…")');
  return {
    issuer: [`https://api.workos.com/user_management/${clientId}`, 'https://api.workos.com'],
    jwksUri: `https://api.workos.com/sso/jwks/${clientId}`,
    algorithms: ['RS256'],
    scopeClaim: 'permissions',
    rolesClaim: ['roles', 'role'],
    requiredClaims: ['sub'],
    claimCheck: [],
  };
}
