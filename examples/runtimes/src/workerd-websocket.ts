import { getAuth, jwtAuth, selectSubprotocol, type TokengateOptions, watchAuth } from '@tokengate/hono';
import type { Hono } from 'hono';

/** Browsers send the token as the subprotocol `bearer.<token>` (they cannot set Authorization). */
const PREFIX = 'bearer.';

/**
 * A WebSocket on Cloudflare Workers held to its token's life. Hono's `upgradeWebSocket` for
 * Workers answers without `Sec-WebSocket-Protocol` (a client that offered subprotocols refuses
 * that) and never calls `onOpen`, so the route accepts the socket with workerd's `WebSocketPair`.
 */
export function webSocketRoute(app: Hono, options: TokengateOptions) {
  const auth = jwtAuth({ ...options, tokenSources: ['header', { protocol: PREFIX }] });
  app.get('/ws', auth, (c) => {
    if (c.req.header('upgrade')?.toLowerCase() !== 'websocket') return c.text('WebSocket only', 426);
    const offered = c.req.header('sec-websocket-protocol')?.split(',') ?? [];
    // Answer with a subprotocol the client offered, never the entry carrying the token.
    const protocol = selectSubprotocol(
      offered.map((entry) => entry.trim()),
      PREFIX,
    );
    const { 0: client, 1: server } = new WebSocketPair();
    server.accept();
    // Watch here, in the request that owns the socket: on workerd only it may close the socket.
    const stop = watchAuth(getAuth(c), { onEnd: (reason) => server.close(4401, reason) });
    server.addEventListener('close', () => {
      stop();
      server.close(); // answers the client's close (later compatibility dates do it themselves)
    });
    server.send(`hello ${getAuth(c).subject}`);
    return new Response(null, {
      status: 101,
      webSocket: client,
      headers: protocol ? { 'sec-websocket-protocol': protocol } : {},
    });
  });
}
