import type { JwtClaims } from '../context/types.js';
import { argumentsOf, type PresetOptions, requireString } from './shared.js';

/** Arguments of {@link firebase}. */
export interface FirebasePresetOptions {
  /** The Firebase project id: the token's `aud`, and the last part of its issuer. */
  projectId: string;
}

/** The Admin SDK refuses a `sub` that is empty or longer than 128 characters. */
function checkSubject(claims: JwtClaims): true | string {
  const sub = claims.sub;
  return typeof sub === 'string' && sub.length > 0 && sub.length <= 128
    ? true
    : 'token "sub" must be a non-empty string of at most 128 characters';
}

/**
 * Firebase Authentication ID tokens (what a Firebase client sends to your backend): issuer
 * `https://securetoken.google.com/<projectId>`, the project id as audience, RS256 keys from the
 * documented X.509 certificate map, and the Admin SDK's `sub` rule (401 `claims`).
 *
 * @example
 * ```ts
 * app.use(jwtAuth(firebase({ projectId: 'my-project' })));
 * ```
 * @see https://firebase.google.com/docs/auth/admin/verify-id-tokens#verify_id_tokens_using_a_third-party_jwt_library
 */
export function firebase(options: FirebasePresetOptions): PresetOptions {
  const { projectId } = argumentsOf('firebase', options);
  requireString('firebase', 'projectId', projectId);
  return {
    issuer: `https://securetoken.google.com/${projectId}`,
    certificatesUri:
      'https://www.googleapis.com/robot/v1/metadata/x509/securetoken@system.gserviceaccount.com',
    audience: projectId,
    algorithms: ['RS256'],
    requiredClaims: ['sub', 'iat'],
    claimCheck: [checkSubject],
  };
}
