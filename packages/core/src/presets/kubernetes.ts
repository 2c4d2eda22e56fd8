import { argumentsOf, type PresetOptions, requireBaseUrl, requireStrings } from './shared.js';

/** Arguments of {@link kubernetes}. */
export interface KubernetesPresetOptions {
  /** The cluster's service-account issuer (`--service-account-issuer`), e.g. `https://kubernetes.default.svc`. */
  issuer: string;
  /** Expected `aud` (the projected token's `audience`). */
  audience: string | readonly string[];
}

/**
 * Kubernetes projected service-account tokens: the cluster's issuer, its keys by OIDC discovery
 * (Kubernetes publishes `/.well-known/openid-configuration`; managed clusters put the JWKS
 * elsewhere than `/openid/v1/jwks`), your audience; `sub` is `system:serviceaccount:<ns>:<name>`
 * and `/kubernetes.io/namespace` reads the namespace.
 *
 * @example
 * ```ts
 * app.use(jwtAuth(kubernetes({ issuer: 'https://kubernetes.default.svc', audience: 'orders' })));
 * ```
 * @see https://kubernetes.io/docs/tasks/configure-pod-container/configure-service-account/#service-account-issuer-discovery
 */
export function kubernetes(options: KubernetesPresetOptions): PresetOptions {
  const { issuer, audience } = argumentsOf('kubernetes', options);
  return {
    issuer: requireBaseUrl('kubernetes', 'issuer', issuer),
    audience: requireStrings('kubernetes', 'audience', audience),
    requiredClaims: ['sub'],
    claimCheck: [],
  };
}
