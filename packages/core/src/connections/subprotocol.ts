/**
 * Choosing the subprotocol a WebSocket server answers with, when the client offered its token as
 * one of them (`tokenSources: [{ protocol: prefix }]`). RFC 6455 §4.2.2 lets the server pick one
 * offered entry; a server library's default (`ws` picks the first) may pick the token, and echo
 * it in the `Sec-WebSocket-Protocol` response header, where proxies and logs see it.
 */

/**
 * The subprotocol to answer with: the first offered entry that is not the token (does not start
 * with `prefix`) and, when `supported` is given, is one of them; `false` for none (the handshake
 * then carries no `Sec-WebSocket-Protocol`, which browsers accept). Shaped for `ws`'s
 * `handleProtocols` (also `@fastify/websocket`'s and `@hono/node-ws`'s, which use `ws`).
 *
 * @example
 * ```ts
 * const wss = new WebSocketServer({
 *   noServer: true,
 *   handleProtocols: (offered) => selectSubprotocol(offered, 'bearer.', ['chat.v1']),
 * });
 * ```
 */
export function selectSubprotocol(
  offered: Iterable<string>,
  prefix: string,
  supported?: readonly string[],
): string | false {
  for (const entry of offered) {
    if (entry.startsWith(prefix)) continue;
    if (supported === undefined || supported.includes(entry)) return entry;
  }
  return false;
}
