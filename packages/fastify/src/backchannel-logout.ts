import type { BackchannelLogoutOptions } from '@tokengate/core';
import { createBackchannelLogout, readNodeBody } from '@tokengate/core/adapter';
import type { FastifyReply, FastifyRequest } from 'fastify';

/** Options of the Fastify {@link backchannelLogout}: the shared ones, and the path it answers. */
export interface FastifyBackchannelLogoutOptions extends BackchannelLogoutOptions {
  /**
   * The path it answers POSTs on (the client's `backchannel_logout_uri`), compared with the
   * request's path without its query.
   * @default '/backchannel-logout'
   */
  path?: string;
}

/** The `onRequest` hook {@link backchannelLogout} returns. */
export type BackchannelLogoutHook = (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>;

/**
 * OpenID Connect Back-Channel Logout for Fastify: an `onRequest` hook that answers the POSTs the
 * provider sends logout tokens to (`path`, the client's `backchannel_logout_uri`) and lets every
 * other request through. Add it before registering `tokengate`, as `protectedResourceMetadata`:
 * it answers before the plugin's authentication runs (the provider sends no bearer token) and
 * before Fastify parses a body, so the app needs no form parser — it reads the form itself, at
 * most 16 KiB. It verifies the logout token (signature through the issuer's keys, `iss`, `aud` =
 * this app's `client_id`, `iat`/`exp`, `jti` not replayed, the `events` member, `sid` and/or
 * `sub`, no `nonce`), revokes the session (`sid`) or else the subject (`sub`) in `revocation`,
 * and answers 200, 400 `invalid_request` for any defect, or 503 when the provider's keys or the
 * stores cannot be had. Give `tokengate` the same `revocation` store: the session's access tokens
 * are then refused 401 `revoked`.
 *
 * @throws TypeError at start-up for a mistake in `options`.
 * @example
 * ```ts
 * const revocation = createMemoryRevocationStore();
 * app.addHook('onRequest', backchannelLogout({ issuer, audience: 'my-client-id', revocation }));
 * await app.register(tokengate, { issuer, audience: 'api://orders', revocation });
 * ```
 * @see https://openid.net/specs/openid-connect-backchannel-1_0.html
 */
export function backchannelLogout(options: FastifyBackchannelLogoutOptions): BackchannelLogoutHook {
  const { path = '/backchannel-logout', ...shared } = options ?? ({} as FastifyBackchannelLogoutOptions);
  if (typeof path !== 'string' || !path.startsWith('/')) {
    throw new TypeError('tokengate: backchannelLogout option "path" must be a path starting with "/"');
  }
  const endpoint = createBackchannelLogout(shared);
  return async function tokengateBackchannelLogout(request, reply) {
    if (request.method !== 'POST') return;
    const url = request.url;
    const query = url.indexOf('?');
    if ((query === -1 ? url : url.slice(0, query)) !== path) return;
    const body = await readNodeBody(request.raw, endpoint.maxBodyBytes);
    const answer = await endpoint.answer(request.headers['content-type'], body);
    return reply.code(answer.status).headers(answer.headers).send(answer.body);
  };
}
