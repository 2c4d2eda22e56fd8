import type { Secret } from '../config/issuer-options.js';
import { argumentsOf, type PresetOptions, requireBaseUrl } from './shared.js';

/** Arguments of {@link supabase}. */
export interface SupabasePresetOptions {
  /** The project URL, `https://<project-ref>.supabase.co` (or your custom domain). */
  url: string;
  /**
   * The legacy JWT secret (HS256), while tokens signed with it are still valid during the move
   * to asymmetric signing keys. Without it HS256 tokens are refused.
   */
  secret?: Secret;
  /**
   * Expected `aud`: Supabase Auth gives signed-in users (anonymous sign-ins included)
   * `authenticated`.
   * @default 'authenticated'
   */
  audience?: string | readonly string[];
}

/**
 * Supabase Auth access tokens: issuer `<url>/auth/v1`, the project's signing keys from its JWKS
 * (`/auth/v1/.well-known/jwks.json`), and the legacy HS256 secret beside them while it is given,
 * each key used only for its algorithms; the Postgres `role` claim as the role.
 *
 * @example
 * ```ts
 * app.use(jwtAuth(supabase({ url: process.env.SUPABASE_URL!, secret: process.env.SUPABASE_JWT_SECRET })));
 * ```
 * @see https://supabase.com/docs/guides/auth/signing-keys
 */
export function supabase(options: SupabasePresetOptions): PresetOptions {
  const { url, secret, audience = 'authenticated' } = argumentsOf('supabase', options);
  const base = requireBaseUrl('supabase', 'url', url);
  if ('secret' in options && secret === undefined) {
    throw new TypeError(
      'tokengate: supabase() option "secret" was given but is undefined (an unset environment variable?); leave it out to refuse HS256 tokens',
    );
  }
  return {
    issuer: `${base}/auth/v1`,
    jwksUri: `${base}/auth/v1/.well-known/jwks.json`,
    ...(secret === undefined ? {} : { secret }),
    audience,
    ...(secret === undefined ? {} : { algorithms: ['HS256', 'ES256', 'RS256'] as const }),
    rolesClaim: 'role',
    claimCheck: [],
  };
}
