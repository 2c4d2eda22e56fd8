import { argumentsOf, claimIn, type PresetOptions, requireString, requireStrings } from './shared.js';

/** Arguments of {@link githubActions}. */
export interface GithubActionsPresetOptions {
  /** Expected `aud`: the audience the workflow asked for (`core.getIDToken(audience)`). */
  audience: string | readonly string[];
  /** Accept only this repository's workflows (`owner/name`, exact). */
  repository?: string;
}

/**
 * GitHub Actions OIDC tokens (a workflow calling your API): issuer
 * `https://token.actions.githubusercontent.com`, its JWKS, your audience, and the `repository`
 * claim when given (401 `claims` otherwise).
 *
 * @example
 * ```ts
 * app.use(jwtAuth(githubActions({ audience: 'https://deploy.example.com', repository: 'acme/web' })));
 * ```
 * @see https://docs.github.com/actions/security-for-github-actions/security-hardening-your-deployments/about-security-hardening-with-openid-connect
 */
export function githubActions(options: GithubActionsPresetOptions): PresetOptions {
  const { audience, repository } = argumentsOf('githubActions', options);
  const issuer = 'https://token.actions.githubusercontent.com';
  return {
    issuer,
    jwksUri: `${issuer}/.well-known/jwks`,
    audience: requireStrings('githubActions', 'audience', audience),
    algorithms: ['RS256'],
    requiredClaims: ['sub'],
    claimCheck:
      repository === undefined
        ? []
        : [claimIn('repository', [requireString('githubActions', 'repository', repository)], '"repository"')],
  };
}
