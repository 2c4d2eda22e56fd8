import type { ClaimCheck } from '../config/issuer-options.js';
import { argumentsOf, claimIn, type PresetOptions, requireString, requireStrings } from './shared.js';

/** Arguments of {@link cognito}. */
export interface CognitoPresetOptions {
  /** The AWS region of the user pool, e.g. `'eu-west-1'`. */
  region: string;
  /** The user pool id, e.g. `'eu-west-1_AbCdEf123'`. */
  userPoolId: string;
  /** The app client id(s) whose tokens are accepted: `client_id` of access tokens, `aud` of ID tokens. */
  clientId: string | readonly string[];
  /**
   * Which tokens are accepted (`token_use`): access tokens (for an API), or ID tokens.
   * @default 'access'
   */
  tokenUse?: 'access' | 'id';
}

const REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/;

/**
 * Amazon Cognito user-pool tokens, refused as `aws-jwt-verify` refuses them (401 `claims`): a
 * `token_use` other than `tokenUse` (an ID token where an access token belongs, or no
 * `token_use`), another app client's `client_id` (access) or `aud` (ID). Keys from the pool's
 * JWKS; scopes from `scope`, groups (`cognito:groups`) as roles.
 *
 * @example
 * ```ts
 * app.use(jwtAuth(cognito({ region: 'eu-west-1', userPoolId: 'eu-west-1_AbCdEf123', clientId: '1example23456789' })));
 * ```
 * @see https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-tokens-verifying-a-jwt.html
 */
export function cognito(options: CognitoPresetOptions): PresetOptions {
  const { region, userPoolId, clientId, tokenUse = 'access' } = argumentsOf('cognito', options);
  requireString('cognito', 'region', region);
  requireString('cognito', 'userPoolId', userPoolId);
  if (!REGION.test(region))
    throw new TypeError('tokengate: cognito() option "region" must be an AWS region such as "eu-west-1"');
  if (!userPoolId.startsWith(`${region}_`))
    throw new TypeError(
      `tokengate: cognito() option "userPoolId" must start with the region ("${region}_…")`,
    );
  const clients = requireStrings('cognito', 'clientId', clientId);
  if (tokenUse !== 'access' && tokenUse !== 'id')
    throw new TypeError('tokengate: cognito() option "tokenUse" must be "access" or "id"');
  const issuer = `https://cognito-idp.${region}.amazonaws.com/${userPoolId}`;
  const checks: ClaimCheck[] = [
    claimIn(
      'token_use',
      [tokenUse],
      `"token_use" ${tokenUse === 'access' ? '(an access token is required)' : '(an ID token is required)'}`,
    ),
  ];
  if (tokenUse === 'access') checks.push(claimIn('client_id', clients, 'app client ("client_id")'));
  return {
    issuer,
    jwksUri: `${issuer}/.well-known/jwks.json`,
    ...(tokenUse === 'id' ? { audience: clients } : {}),
    algorithms: ['RS256'],
    scopeClaim: 'scope',
    rolesClaim: 'cognito:groups',
    claimCheck: checks,
  };
}
