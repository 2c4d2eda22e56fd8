import type { BackchannelLogoutOptions } from '@tokengate/core';
import { createBackchannelLogout, readNodeBody } from '@tokengate/core/adapter';
import type { Request, RequestHandler } from 'express';

/**
 * OpenID Connect Back-Channel Logout: a complete handler for the route the provider POSTs logout
 * tokens to (the client's `backchannel_logout_uri`). Mount it on a POST route outside `jwtAuth`;
 * it reads the form body itself (at most 16 KiB; an `express.urlencoded()` that ran before is
 * fine too). It verifies the logout token (signature through the issuer's keys, `iss`, `aud` =
 * this app's `client_id`, `iat`/`exp`, `jti` not replayed, the `events` member, `sid` and/or
 * `sub`, no `nonce`), revokes the session (`sid`) or else the subject (`sub`) in `revocation`,
 * and answers 200, 400 `invalid_request` for any defect, or 503 when the provider's keys or the
 * stores cannot be had. Give `jwtAuth` the same `revocation` store: the session's access tokens
 * (those whose `sid` claim names it) are then refused 401 `revoked`.
 *
 * @throws TypeError at start-up for a mistake in `options`.
 * @example
 * ```ts
 * const revocation = createMemoryRevocationStore();
 * app.post('/backchannel-logout', backchannelLogout({ issuer, audience: 'my-client-id', revocation }));
 * app.use(jwtAuth({ issuer, audience: 'api://orders', revocation }));
 * ```
 * @see https://openid.net/specs/openid-connect-backchannel-1_0.html
 */
export function backchannelLogout(options: BackchannelLogoutOptions): RequestHandler {
  const endpoint = createBackchannelLogout(options);
  return async function tokengateBackchannelLogout(req: Request, res) {
    const body = await readNodeBody(req, endpoint.maxBodyBytes, req.body);
    const answer = await endpoint.answer(req.get('content-type'), body);
    res.status(answer.status).set(answer.headers).end(answer.body);
  };
}
