/**
 * Verifying an OpenID Connect Back-Channel Logout 1.0 logout token (§2.6): the signature through
 * the issuer's keys, `iss`, `aud`, `iat` (and `exp` when present), `jti`, the `events` member,
 * `sid` and/or `sub`, and no `nonce`. The token checks are the verifier's own (`checkToken`,
 * `checkSignature`, one key source per issuer), run with the logout token's policy; this file adds
 * what only a logout token must satisfy. The endpoint around it is `backchannel-logout.ts`.
 *
 * @see https://openid.net/specs/openid-connect-backchannel-1_0.html#Validation
 */
import { resolveTokengateOptions } from '../config/declarations.js';
import type { Duration } from '../config/duration.js';
import type { IssuerOptions } from '../config/issuer-options.js';
import type { TokengateOptions } from '../config/options.js';
import { resolveProfiles } from '../config/profiles.js';
import type { JwtClaims } from '../context/types.js';
import { selectBackend } from '../crypto/index.js';
import { AuthError } from '../errors/auth-error.js';
import { badSignature, checkSignature, checkToken } from '../token/verify-uncached.js';

/** The event a logout token announces (§2.4). */
export const BACKCHANNEL_LOGOUT_EVENT = 'http://schemas.openid.net/event/backchannel-logout';

/**
 * `typ` values a logout token may carry: `logout+jwt` (§2.4's explicit type), none (the
 * specification lets providers leave it out), or `JWT` (providers that type every token so). An
 * ID token or an access token is refused by the claims below whatever its `typ`, and `at+jwt`,
 * `dpop+jwt` and every other explicit type are refused here.
 */
const LOGOUT_TYP: ReadonlySet<string> = new Set(['logout+jwt', 'jwt', '']);

/** The verifier options a logout endpoint shares with `jwtAuth` (key sources and their fetching). */
export type LogoutKeyOptions = Pick<
  IssuerOptions,
  'jwksUri' | 'jwks' | 'publicKey' | 'secret' | 'algorithms' | 'clockTolerance'
> &
  Pick<
    TokengateOptions,
    | 'fetch'
    | 'timeoutDuration'
    | 'cooldownDuration'
    | 'cacheMaxAge'
    | 'staleIfError'
    | 'onKeySourceEvent'
    | 'crypto'
    | 'maxTokenLength'
  >;

/** The logout token options of `backchannelLogout`: the issuer, its keys, the client id, the age bound. */
export interface LogoutTokenOptions extends LogoutKeyOptions {
  /** The OpenID Provider's issuer identifier; its keys come from discovery unless a key option is given. */
  issuer: string;
  /** This application's `client_id` at the provider: the logout token's `aud` must contain it. */
  audience: string | readonly string[];
  /**
   * Longest accepted age of a logout token (`now - iat`), seconds or a duration. §2.4 recommends
   * an `exp` at most two minutes after `iat`; this bounds tokens without `exp` too, and is how
   * long a `jti` must be remembered to refuse replays.
   * @default '2m'
   */
  maxTokenAge?: Duration;
}

/** A verified logout token: what to revoke, and how long its `jti` must be remembered. */
export interface VerifiedLogoutToken {
  readonly payload: JwtClaims;
  /** The `sid` claim, when present. */
  readonly sid: string | undefined;
  /** The `sub` claim, when present. */
  readonly sub: string | undefined;
  /** `iss` + `jti`: the replay store's key. */
  readonly replayId: string;
  /** Seconds from now after which the token is refused anyway (its `jti` may then be forgotten). */
  readonly replayTtl: number;
  /** The token's `iat`, seconds: the revocation's cut-off. */
  readonly iat: number;
}

/** Verifies logout tokens; a defect throws an `AuthError` (`invalid_token`, or a 503 for keys). */
export interface LogoutTokenVerifier {
  verify(token: string): Promise<VerifiedLogoutToken>;
}

function defect(message: string): AuthError {
  return new AuthError('invalid_token', message, { reason: 'claims' });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Builds a logout token verifier from `options` (validated now: a mistake throws a `TypeError`).
 * @throws TypeError naming the option.
 */
export function createLogoutTokenVerifier(options: LogoutTokenOptions): LogoutTokenVerifier {
  if (typeof options.issuer !== 'string' || options.issuer === '') {
    throw new TypeError(
      'tokengate: backchannelLogout option "issuer" must be the provider\'s issuer identifier',
    );
  }
  if (options.audience === undefined) {
    throw new TypeError('tokengate: backchannelLogout option "audience" must be this client\'s client_id');
  }
  const verifierOptions: TokengateOptions = {
    ...options,
    maxTokenAge: options.maxTokenAge ?? '2m',
    requireExp: false,
    requiredClaims: ['iat', 'jti'],
    cache: false,
    warmup: false,
  };
  const resolved = resolveTokengateOptions(verifierOptions);
  const backend = selectBackend(resolved.crypto);
  const profiles = resolveProfiles(verifierOptions, { ...resolved, typ: LOGOUT_TYP }, backend);
  const { maxTokenAge, tolerance } = profiles.list[0]!.policy;
  const maxLength = resolved.maxTokenLength;

  async function verify(token: string): Promise<VerifiedLogoutToken> {
    if (token.length > maxLength) throw defect(`logout token is longer than ${maxLength} characters`);
    const now = Date.now() / 1000;
    let checked = checkToken(token, now, profiles);
    if (checked instanceof Promise) checked = await checked;
    let keys = checked.profile.keys.keysFor(checked.header, checked.payload);
    if (keys instanceof Promise) keys = await keys;
    let key = checkSignature(checked, keys, backend);
    if (key instanceof Promise) key = await key;
    if (key === undefined) throw badSignature();
    const payload = checked.payload;
    // §2.6 step 4: the events member, naming the back-channel logout event with a JSON object.
    if (!isObject(payload.events) || !isObject(payload.events[BACKCHANNEL_LOGOUT_EVENT])) {
      throw defect(`logout token has no "events" member with "${BACKCHANNEL_LOGOUT_EVENT}" as an object`);
    }
    // §2.6 step 6: an ID token replayed as a logout token would carry one.
    if ('nonce' in payload) throw defect('logout token must not contain "nonce"');
    const sid = payload.sid as string | undefined;
    const sub = payload.sub as string | undefined;
    // checkClaims has refused a `sid`, `sub` or `jti` that is not a well-formed string.
    if (sid === '' || sub === '' || payload.jti === '') throw defect('logout token has an empty identifier');
    if (sid === undefined && sub === undefined) throw defect('logout token has neither "sid" nor "sub"');
    const iat = payload.iat as number;
    const exp = payload.exp as number | undefined;
    const end = Math.min(exp ?? Number.POSITIVE_INFINITY, iat + maxTokenAge!) + tolerance;
    return {
      payload,
      sid,
      sub,
      iat,
      replayId: `backchannel-logout:${payload.iss as string}:${payload.jti as string}`,
      replayTtl: Math.max(1, Math.ceil(end - now) + 1),
    };
  }
  return { verify };
}
