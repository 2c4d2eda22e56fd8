import { originOf } from '../context/build.js';
import type { AuthContext } from '../context/types.js';
import { cancelWatch, startWatch, Watch, type WatchEndReason } from './watchers.js';

export type { WatchEndReason } from './watchers.js';

/**
 * `connections/`: what happens after the request. A WebSocket upgrade or a server-sent-events
 * stream is authenticated once, by the framework's own `jwtAuth`, then lives on; this room holds
 * such a connection to its token's life. It comes after `context/` in the flow (it reads only a
 * verified context) and before nothing: no request path calls it.
 */

/** Options of {@link watchAuth}. */
export interface WatchAuthOptions {
  /**
   * Called once when the connection must end, with why: `'expired'` at the token's `exp`,
   * `'revoked'` when the verifier's `revocation` store revokes it, `'key_withdrawn'` when the
   * key that verified it leaves the key set. Close the WebSocket with code `4401` (or end the
   * stream) here. Never called after the stop function ran; a throw is logged and ignored.
   */
  onEnd(reason: WatchEndReason): void;
}

/**
 * Holds a long-lived connection (a WebSocket, a server-sent-events stream) to the life of the
 * token that opened it: `onEnd` is called at the token's `exp` (`'expired'`), when the
 * verifier's `revocation` store revokes it (`'revoked'`, within the store's propagation time:
 * at once for the memory store, through pub/sub for `@tokengate/redis`), and when the key that
 * verified it is withdrawn from a remote key set (`'key_withdrawn'`, noticed when the set is
 * next fetched: every `cacheMaxAge` while connections are watched). Returns the function that
 * stops watching; call it when the connection closes on its own.
 *
 * Give it the context `jwtAuth` stored (`req.auth`, `ctx.state.auth`, `c.var.auth`,
 * `request.auth`) or `verify` returned: the context leads privately to the verifier's store and
 * keys, so a look-alike object is refused. Cheap to hold by the thousand: every watch in the
 * process shares one timer and one listener per store and per key set. On Cloudflare Workers,
 * where only the request that accepted a socket may close it and a timer dies with its request,
 * each watch has its own timer and key listener and `onEnd` runs in the request that called
 * `watchAuth`: call it in the handler that accepts the socket.
 *
 * Not watched: the `isRevoked` option (an app function, asked once at connect); a `secret`
 * function and configured keys (they cannot be withdrawn without a restart); a store without
 * `subscribe` (its revocations are refused on the next request, but not seen here).
 *
 * @example
 * ```ts
 * wss.on('connection', (socket, req) => {
 *   const stop = watchAuth(req.auth, { onEnd: (reason) => socket.close(4401, reason) });
 *   socket.on('close', stop);
 * });
 * ```
 * @throws TypeError when `auth` is not a context a tokengate verifier built, or `onEnd` is not a
 *   function.
 */
export function watchAuth(auth: AuthContext<any>, options: WatchAuthOptions): () => void {
  const origin = originOf(auth);
  if (origin === undefined) {
    throw new TypeError(
      'watchAuth: auth must be the context jwtAuth stored (req.auth, ctx.state.auth, c.var.auth, request.auth)',
    );
  }
  const onEnd = options?.onEnd;
  if (typeof onEnd !== 'function') throw new TypeError('watchAuth: options.onEnd must be a function');
  const exp = auth.expiresAt;
  const watch = new Watch(auth, typeof exp === 'number' ? exp * 1000 : Number.POSITIVE_INFINITY, onEnd);
  startWatch(watch, origin);
  return () => cancelWatch(watch);
}
