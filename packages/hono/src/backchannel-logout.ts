import type { BackchannelLogoutOptions } from '@tokengate/core';
import { type BodyRead, createBackchannelLogout, readWebBody } from '@tokengate/core/adapter';
import type { Handler } from 'hono';

/**
 * OpenID Connect Back-Channel Logout: a complete handler for the route the provider POSTs logout
 * tokens to (the client's `backchannel_logout_uri`). Mount it on a POST route outside `jwtAuth`
 * (`app.post(path, backchannelLogout(options))`); it reads the form body itself (at most 16 KiB).
 * It verifies the logout token (signature through the issuer's keys, `iss`, `aud` = this app's
 * `client_id`, `iat`/`exp`, `jti` not replayed, the `events` member, `sid` and/or `sub`, no
 * `nonce`), revokes the session (`sid`) or else the subject (`sub`) in `revocation`, and answers
 * 200, 400 `invalid_request` for any defect, or 503 when the provider's keys or the stores cannot
 * be had. Give `jwtAuth` the same `revocation` store: the session's access tokens are then
 * refused 401 `revoked`.
 *
 * @throws TypeError at start-up for a mistake in `options`.
 * @example
 * ```ts
 * const revocation = createMemoryRevocationStore();
 * app.post('/backchannel-logout', backchannelLogout({ issuer, audience: 'my-client-id', revocation }));
 * app.use('/api/*', jwtAuth({ issuer, audience: 'api://orders', revocation }));
 * ```
 * @see https://openid.net/specs/openid-connect-backchannel-1_0.html
 */
export function backchannelLogout(options: BackchannelLogoutOptions): Handler {
  const endpoint = createBackchannelLogout(options);
  return async function tokengateBackchannelLogout(c) {
    // A middleware that ran `c.req.parseBody()` before consumed the stream; Hono kept its result.
    const body: BodyRead = c.req.raw.bodyUsed
      ? await c.req.parseBody().then(
          (form): BodyRead => ({ kind: 'parsed', form }),
          (): BodyRead => ({ kind: 'unreadable' }),
        )
      : await readWebBody(c.req.raw, endpoint.maxBodyBytes);
    const answer = await endpoint.answer(c.req.header('content-type'), body);
    return new Response(answer.body === '' ? null : answer.body, {
      status: answer.status,
      headers: answer.headers,
    });
  };
}
