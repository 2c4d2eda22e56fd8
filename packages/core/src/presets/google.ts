import { argumentsOf, claimIn, type PresetOptions, requireString, requireStrings } from './shared.js';

/** Arguments of {@link google}. */
export interface GooglePresetOptions {
  /** Your OAuth client id(s): the `aud` of Google ID tokens. */
  audience: string | readonly string[];
  /** Accept only accounts of this Google Workspace domain (the `hd` claim). */
  hostedDomain?: string;
  /**
   * Which of Google's key documents to fetch: the JWKS (`oauth2/v3/certs`) or the X.509
   * certificate map (`oauth2/v1/certs`). The same keys.
   * @default 'jwks'
   */
  keySet?: 'jwks' | 'certificates';
}

/**
 * Google ID tokens (Sign in with Google, Google Cloud service identities): both issuer spellings
 * (`accounts.google.com` and `https://accounts.google.com`) with Google's key URL, your client id
 * as audience, and the Workspace domain (`hd`) when given (401 `claims` otherwise).
 *
 * @example
 * ```ts
 * app.use(jwtAuth(google({ audience: process.env.GOOGLE_CLIENT_ID!, hostedDomain: 'example.com' })));
 * ```
 * @see https://developers.google.com/identity/gsi/web/guides/verify-google-id-token
 */
export function google(options: GooglePresetOptions): PresetOptions {
  const { audience, hostedDomain, keySet = 'jwks' } = argumentsOf('google', options);
  const audiences = requireStrings('google', 'audience', audience);
  if (keySet !== 'jwks' && keySet !== 'certificates')
    throw new TypeError('tokengate: google() option "keySet" must be "jwks" or "certificates"');
  return {
    issuer: ['accounts.google.com', 'https://accounts.google.com'],
    ...(keySet === 'jwks'
      ? { jwksUri: 'https://www.googleapis.com/oauth2/v3/certs' }
      : { certificatesUri: 'https://www.googleapis.com/oauth2/v1/certs' }),
    audience: audiences,
    algorithms: ['RS256'],
    claimCheck:
      hostedDomain === undefined
        ? []
        : [claimIn('hd', [requireString('google', 'hostedDomain', hostedDomain)], 'hosted domain ("hd")')],
  };
}
