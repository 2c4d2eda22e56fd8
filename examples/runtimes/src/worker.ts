import { createMemoryRevocationStore, getAuth, jwtAuth, requireScope } from '@tokengate/hono';
import { Hono } from 'hono';
import { createApp } from './app.js';
import { config } from './config.js';
import { webSocketRoute } from './workerd-websocket.js';

const app = createApp(config);
// A WebSocket held to its token's life (docs/connections.md), with workerd's own WebSocketPair.
// Its revocations are this isolate's memory store, revoked through `/revoke` by another request.
const revocation = createMemoryRevocationStore();
webSocketRoute(app, { secret: config.secret, audience: config.audience, revocation });
app.post(
  '/revoke',
  jwtAuth({ secret: config.secret, audience: config.audience }),
  requireScope('admin'),
  async (c) => {
    const { jti, exp } = await c.req.json<{ jti: string; exp: number }>();
    await revocation.revoke(jti, exp);
    return c.json({ revoked: jti, by: getAuth(c).subject });
  },
);

// The same on a remote key set refetched every second: a socket ends when its key is withdrawn.
const remoteKeys = new Hono();
webSocketRoute(remoteKeys, {
  jwksUri: config.jwksUri,
  algorithms: ['PS256'],
  audience: config.audience,
  cacheMaxAge: '1s',
  cooldownDuration: '1s',
});
app.route('/remote-keys', remoteKeys);

/** Cloudflare Workers (workerd): the app is the module's default export. */
export default app;
