import type { BackchannelLogoutOptions } from '@tokengate/core';
import { createBackchannelLogout, readNodeBody } from '@tokengate/core/adapter';
import type { FastifyPluginAsync } from 'fastify';

/** Options of the Fastify {@link backchannelLogout}: the shared ones, and the route's path. */
export interface FastifyBackchannelLogoutOptions extends BackchannelLogoutOptions {
  /**
   * Path of the POST route the plugin adds (under the prefix it is registered with).
   * @default '/backchannel-logout'
   */
  path?: string;
}

/**
 * OpenID Connect Back-Channel Logout, as a Fastify plugin that adds the POST route the provider
 * sends logout tokens to (the client's `backchannel_logout_uri`). Register it outside the scope
 * `tokengate` protects. The plugin is encapsulated: inside it, the body is left to the handler,
 * which reads the form itself (at most 16 KiB), so the app needs no form parser and its own
 * parsers are untouched. It verifies the logout token (signature through the issuer's keys,
 * `iss`, `aud` = this app's `client_id`, `iat`/`exp`, `jti` not replayed, the `events` member,
 * `sid` and/or `sub`, no `nonce`), revokes the session (`sid`) or else the subject (`sub`) in
 * `revocation`, and answers 200, 400 `invalid_request` for any defect, or 503 when the
 * provider's keys or the stores cannot be had. Give the `tokengate` plugin the same `revocation`
 * store: the session's access tokens are then refused 401 `revoked`.
 *
 * @throws TypeError at start-up for a mistake in `options`.
 * @example
 * ```ts
 * const revocation = createMemoryRevocationStore();
 * await app.register(backchannelLogout({ issuer, audience: 'my-client-id', revocation }));
 * await app.register(tokengate, { issuer, audience: 'api://orders', revocation });
 * ```
 * @see https://openid.net/specs/openid-connect-backchannel-1_0.html
 */
export function backchannelLogout(options: FastifyBackchannelLogoutOptions): FastifyPluginAsync {
  const { path = '/backchannel-logout', ...shared } = options ?? ({} as FastifyBackchannelLogoutOptions);
  if (typeof path !== 'string' || !path.startsWith('/')) {
    throw new TypeError('tokengate: backchannelLogout option "path" must be a path starting with "/"');
  }
  const endpoint = createBackchannelLogout(shared);
  return async function tokengateBackchannelLogout(instance) {
    instance.removeAllContentTypeParsers();
    instance.addContentTypeParser('*', (_request, _payload, done) => done(null, undefined));
    instance.post(path, async (request, reply) => {
      const body = await readNodeBody(request.raw, endpoint.maxBodyBytes);
      const answer = await endpoint.answer(request.headers['content-type'], body);
      return reply.code(answer.status).headers(answer.headers).send(answer.body);
    });
  };
}
