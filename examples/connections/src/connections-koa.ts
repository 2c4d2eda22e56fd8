import { createServer, type IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getAuth, jwtAuth, selectSubprotocol, type TokengateOptions, watchAuth } from '@tokengate/koa';
import Koa from 'koa';
import { WebSocketServer } from 'ws';

const PREFIX = 'bearer.';

export async function startKoa(options: TokengateOptions) {
  const app = new Koa();
  const wss = new WebSocketServer({
    noServer: true,
    handleProtocols: (offered) => selectSubprotocol(offered, PREFIX),
  });
  app.use(jwtAuth({ ...options, tokenSources: ['header', { protocol: PREFIX }] }));
  app.use((ctx) => {
    const head = (ctx.req as IncomingMessage & { upgradeHead?: Buffer }).upgradeHead;
    if (ctx.path !== '/ws' || head === undefined) return ctx.throw(404);
    ctx.respond = false; // the socket is the WebSocket's from here on
    wss.handleUpgrade(ctx.req, ctx.req.socket, head, (socket) => {
      const stop = watchAuth(getAuth(ctx), { onEnd: (reason) => socket.close(4401, reason) });
      socket.on('close', stop);
      socket.send(`hello ${getAuth(ctx).subject}`);
    });
  });

  const handle = app.callback();
  const server = createServer(handle);
  // Koa's middleware (jwtAuth first) runs for the upgrade request; a refusal is its ordinary 401.
  server.on('upgrade', (req: IncomingMessage & { upgradeHead?: Buffer }, socket, head) => {
    req.upgradeHead = head;
    const res = new ServerResponse(req);
    res.assignSocket(socket as never);
    res.on('finish', () => socket.destroy());
    void handle(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => {
      for (const client of wss.clients) client.terminate();
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
