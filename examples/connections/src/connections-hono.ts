import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { createNodeWebSocket } from '@hono/node-ws';
import {
  getAuth,
  jwtAuth,
  selectSubprotocol,
  type TokengateOptions,
  type WatchEndReason,
  watchAuth,
} from '@tokengate/hono';
import { Hono } from 'hono';
import { streamSSE } from 'hono/streaming';

const PREFIX = 'bearer.';

export async function startHono(options: TokengateOptions) {
  const app = new Hono();
  const { injectWebSocket, upgradeWebSocket, wss } = createNodeWebSocket({ app });
  // @hono/node-ws runs on `ws`, whose default answers with the first subprotocol offered.
  wss.options.handleProtocols = (offered) => selectSubprotocol(offered, PREFIX);
  app.use('*', jwtAuth({ ...options, tokenSources: ['header', { protocol: PREFIX }] }));

  app.get(
    '/ws',
    upgradeWebSocket((c) => {
      const auth = getAuth(c);
      let stop: (() => void) | undefined;
      return {
        onOpen: (_event, ws) => {
          stop = watchAuth(auth, { onEnd: (reason) => ws.close(4401, reason) });
          ws.send(`hello ${auth.subject}`);
        },
        onClose: () => stop?.(),
      };
    }),
  );

  app.get('/events', (c) =>
    streamSSE(c, async (stream) => {
      const auth = getAuth(c);
      await stream.writeSSE({ data: `hello ${auth.subject}` });
      const reason = await new Promise<WatchEndReason | undefined>((resolve) => {
        const stop = watchAuth(auth, { onEnd: resolve });
        stream.onAbort(() => {
          stop();
          resolve(undefined);
        });
      });
      if (reason) await stream.writeSSE({ event: 'end', data: reason });
    }),
  );

  const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
  injectWebSocket(server);
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => {
      for (const client of wss.clients) client.terminate();
      (server as { closeAllConnections?: () => void }).closeAllConnections?.();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
