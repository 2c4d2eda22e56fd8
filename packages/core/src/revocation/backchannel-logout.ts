/**
 * The back-channel logout endpoint every adapter mounts (`backchannelLogout(options)`): the form
 * body, the logout token ({@link createLogoutTokenVerifier}), the revocation, the replay check,
 * and the answer — 200, 400 `invalid_request` for any defect, 503 when the keys or the stores
 * cannot be had. Adapters read the body ({@link readNodeBody} / {@link readWebBody}) and send
 * the answer; nothing else.
 *
 * @see https://openid.net/specs/openid-connect-backchannel-1_0.html
 */
import { isAuthError } from '../errors/auth-error.js';
import { createMemoryReplayStore, type ReplayStore } from '../oauth/dpop/replay.js';
import type { BodyRead } from '../request/form-body.js';
import {
  createLogoutTokenVerifier,
  type LogoutTokenOptions,
  type VerifiedLogoutToken,
} from './logout-token.js';
import type { RevocationStore } from './store.js';

/** Options of `backchannelLogout` (the same in every adapter). */
export interface BackchannelLogoutOptions extends LogoutTokenOptions {
  /**
   * Where the logout is recorded: the same store the app's `jwtAuth` is given as `revocation`. A
   * token with `sid` revokes that session (`revokeSession`), one with only `sub` the subject
   * (`revokeSubject`), each as of the logout token's `iat`. A store without `revokeSession` is a
   * start-up `TypeError`.
   */
  revocation: RevocationStore;
  /**
   * Remembers logout token `jti`s so a replayed token is refused (400). Behind a load balancer
   * give `createRedisReplayStore` from `@tokengate/redis`, so a replay to another instance is
   * refused too. A replay changes nothing (the revocation is as of the token's `iat`), so this is
   * the specification's hygiene, not a defence the revocation depends on.
   * @default createMemoryReplayStore()
   */
  replay?: ReplayStore;
}

/** What an adapter sends back: status, headers (`Cache-Control: no-store`, …) and a body. */
export interface BackchannelLogoutResponse {
  /** 200 (logged out), 400 (a defect of the request or token) or 503 (keys or stores unavailable). */
  readonly status: 200 | 400 | 503;
  readonly headers: Readonly<Record<string, string>>;
  /** `''` for 200; the JSON error (`error`, `error_description`) otherwise. */
  readonly body: string;
}

/** The endpoint core: adapters give it the body they read, and send what it answers. */
export interface BackchannelLogoutEndpoint {
  /** The most bytes of body to read; a longer one is answered 400 unread. */
  readonly maxBodyBytes: number;
  /**
   * Answers one request: `contentType` is its `Content-Type` header, `body` what the adapter's
   * reader found. Never rejects: every failure is a 400 or a 503.
   */
  answer(contentType: string | undefined, body: BodyRead): Promise<BackchannelLogoutResponse>;
}

/** 16 KiB: a logout token is a few hundred bytes to 2 KiB (RS512 with a 4096-bit key). */
export const BACKCHANNEL_LOGOUT_MAX_BODY = 16 * 1024;

const NO_STORE = { 'Cache-Control': 'no-store' } as const;
const FORM = /^application\/x-www-form-urlencoded\s*(;|$)/i;

function error(
  status: 400 | 503,
  code: string,
  description: string,
  extra?: Record<string, string>,
): BackchannelLogoutResponse {
  return {
    status,
    headers: { ...NO_STORE, 'Content-Type': 'application/json', ...extra },
    body: JSON.stringify({ error: code, error_description: description }),
  };
}

const invalid = (description: string) => error(400, 'invalid_request', description);

function unavailable(what: string, retryAfter = 30): BackchannelLogoutResponse {
  return error(503, 'temporarily_unavailable', `${what} is temporarily unavailable`, {
    'Retry-After': String(retryAfter),
  });
}

/** The one `logout_token` of the form, or a message saying what is wrong. */
function logoutTokenOf(body: BodyRead): string | { readonly defect: string } {
  if (body.kind === 'too_large') {
    return { defect: `the request body is larger than ${BACKCHANNEL_LOGOUT_MAX_BODY} bytes` };
  }
  if (body.kind === 'unreadable') return { defect: 'the request body could not be read' };
  const values =
    body.kind === 'text'
      ? new URLSearchParams(body.text).getAll('logout_token')
      : ([] as unknown[]).concat(body.form.logout_token ?? []);
  if (values.length === 0) return { defect: 'the form has no "logout_token"' };
  if (values.length > 1) return { defect: 'the form has more than one "logout_token"' };
  const token = values[0];
  return typeof token === 'string' && token !== '' ? token : { defect: 'the "logout_token" is empty' };
}

/**
 * Builds the endpoint from `options`, validated now.
 * @throws TypeError naming the option (a store without `revokeSession`, a missing `issuer`, …).
 */
export function createBackchannelLogout(options: BackchannelLogoutOptions): BackchannelLogoutEndpoint {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError('tokengate: backchannelLogout options must be an object');
  }
  const { revocation, replay: givenReplay, ...tokenOptions } = options;
  if (typeof revocation?.revokeSession !== 'function' || typeof revocation.revokeSubject !== 'function') {
    throw new TypeError(
      'tokengate: backchannelLogout option "revocation" must be a RevocationStore with revokeSession and revokeSubject (createMemoryRevocationStore, createRedisRevocationStore)',
    );
  }
  if (givenReplay !== undefined && typeof givenReplay?.markUsed !== 'function') {
    throw new TypeError('tokengate: backchannelLogout option "replay" must be a ReplayStore');
  }
  const replay = givenReplay ?? createMemoryReplayStore();
  const verifier = createLogoutTokenVerifier(tokenOptions);

  async function revoke(token: VerifiedLogoutToken): Promise<void> {
    const cutoff = new Date(token.iat * 1000);
    if (token.sid !== undefined) await revocation.revokeSession!(token.sid, cutoff);
    else await revocation.revokeSubject(token.sub!, cutoff);
  }

  return {
    maxBodyBytes: BACKCHANNEL_LOGOUT_MAX_BODY,
    async answer(contentType, body) {
      if (contentType === undefined || !FORM.test(contentType)) {
        return invalid('the request must be an application/x-www-form-urlencoded form');
      }
      const token = logoutTokenOf(body);
      if (typeof token !== 'string') return invalid(token.defect);
      let verified: VerifiedLogoutToken;
      try {
        verified = await verifier.verify(token);
      } catch (cause) {
        if (isAuthError(cause) && cause.status === 503)
          return unavailable("the provider's key set", cause.retryAfter);
        // An AuthError's message names the defect and never the token or a key.
        return invalid(
          isAuthError(cause) ? `logout token: ${cause.message}` : 'the logout token is malformed',
        );
      }
      // Revoke first, then remember the jti: a failed revocation leaves the token usable for a
      // retry, and a concurrent replay only repeats the same revocation (same `iat` cut-off).
      try {
        await revoke(verified);
      } catch (cause) {
        return unavailable('the revocation store', isAuthError(cause) ? cause.retryAfter : undefined);
      }
      let fresh: boolean;
      try {
        fresh = await replay.markUsed(verified.replayId, verified.replayTtl);
      } catch {
        return unavailable('the replay store');
      }
      if (!fresh) return invalid('logout token: this "jti" was already used');
      return { status: 200, headers: NO_STORE, body: '' };
    },
  };
}
