import { createServer, type IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getAuth, jwtAuth, selectSubprotocol, type TokengateOptions, watchAuth } from '@tokengate/express';
import express from 'express';
import { WebSocketServer } from 'ws';

/** Browsers send the token as the subprotocol `bearer.<token>` (they cannot set Authorization). */
const PREFIX = 'bearer.';

export async function startExpress(options: TokengateOptions) {
  const app = express();
  // The server answers with a subprotocol the client offered, never the one carrying the token.
  const wss = new WebSocketServer({
    noServer: true,
    handleProtocols: (offered) => selectSubprotocol(offered, PREFIX),
  });
  const auth = jwtAuth({ ...options, tokenSources: ['header', { protocol: PREFIX }] });

  // A WebSocket: the upgrade request went through jwtAuth like any request (a refusal is its 401).
  app.get('/ws', auth, (req) => {
    const head = (req as IncomingMessage & { upgradeHead?: Buffer }).upgradeHead ?? Buffer.alloc(0);
    wss.handleUpgrade(req, req.socket, head, (socket) => {
      const stop = watchAuth(getAuth(req), { onEnd: (reason) => socket.close(4401, reason) });
      socket.on('close', stop);
      socket.send(`hello ${getAuth(req).subject}`);
    });
  });

  // Server-sent events: the stream ends with an `end` event naming why.
  app.get('/events', auth, (req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store' });
    res.write(`data: hello ${getAuth(req).subject}\n\n`);
    const stop = watchAuth(getAuth(req), {
      onEnd: (reason) => res.end(`event: end\ndata: ${reason}\n\n`),
    });
    res.on('close', stop);
  });

  const server = createServer(app);
  // Upgrade requests skip Express unless handed to it: give it the request and a response on the
  // same socket, so middleware runs and a refusal is written as an ordinary HTTP answer.
  server.on('upgrade', (req: IncomingMessage & { upgradeHead?: Buffer }, socket, head) => {
    req.upgradeHead = head;
    const res = new ServerResponse(req);
    res.assignSocket(socket as never);
    res.on('finish', () => socket.destroy());
    app(req, res);
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
