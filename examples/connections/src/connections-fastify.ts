import fastifyWebsocket from '@fastify/websocket';
import { getAuth, selectSubprotocol, type TokengateOptions, tokengate, watchAuth } from '@tokengate/fastify';
import Fastify from 'fastify';

const PREFIX = 'bearer.';

export async function startFastify(options: TokengateOptions) {
  const app = Fastify();
  await app.register(fastifyWebsocket, {
    options: { handleProtocols: (offered) => selectSubprotocol(offered, PREFIX) },
  });
  // The plugin's hook runs for the upgrade request, so a refusal is its ordinary 401.
  await app.register(tokengate, { ...options, tokenSources: ['header', { protocol: PREFIX }] });
  app.get('/ws', { websocket: true }, (socket, request) => {
    const stop = watchAuth(getAuth(request), { onEnd: (reason) => socket.close(4401, reason) });
    socket.on('close', stop);
    socket.send(`hello ${getAuth(request).subject}`);
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, close: () => app.close() };
}
