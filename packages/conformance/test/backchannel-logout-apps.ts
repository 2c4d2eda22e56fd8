/**
 * One app per framework with tokengate's back-channel logout endpoint (`POST /backchannel-logout`,
 * outside `jwtAuth`) and a protected `/orders`, sharing one revocation store: what an app does
 * to let an OpenID Provider end the sessions it serves. Used by the logout tests.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import type { AuthContext, BackchannelLogoutOptions, TokengateOptions } from '@tokengate/core';
import {
  authErrorHandler,
  jwtAuth as expressAuth,
  backchannelLogout as expressLogout,
} from '@tokengate/express';
import { backchannelLogout as fastifyLogout, tokengate } from '@tokengate/fastify';
import { jwtAuth as honoAuth, backchannelLogout as honoLogout } from '@tokengate/hono';
import {
  jwtAuth as koaAuth,
  authErrorHandler as koaErrors,
  backchannelLogout as koaLogout,
} from '@tokengate/koa';
import express from 'express';
import Fastify from 'fastify';
import { Hono } from 'hono';
import Koa from 'koa';
import { fastifyListener } from './drivers/fastify.js';

export const FRAMEWORKS = ['express', 'koa', 'hono', 'fastify'] as const;
export type Framework = (typeof FRAMEWORKS)[number];

type Listener = (req: IncomingMessage, res: ServerResponse) => void;

/** The app of `framework`: the logout endpoint, then `/orders` behind `jwtAuth`. */
export function logoutApp(
  framework: Framework,
  logout: BackchannelLogoutOptions,
  auth: TokengateOptions,
): Listener {
  const orders = (a: AuthContext | undefined) => ({ sub: a?.subject, sid: a?.payload.sid });
  if (framework === 'express') {
    const app = express();
    app.post('/backchannel-logout', expressLogout(logout));
    app.use(expressAuth(auth));
    app.get('/orders', (req, res) => res.json(orders(req.auth)));
    app.use(authErrorHandler());
    return app;
  }
  if (framework === 'koa') {
    const app = new Koa();
    const endpoint = koaLogout(logout);
    app.use(koaErrors());
    app.use((ctx, next) =>
      ctx.method === 'POST' && ctx.path === '/backchannel-logout' ? endpoint(ctx, next) : next(),
    );
    app.use(koaAuth(auth));
    app.use((ctx) => {
      ctx.body = orders(ctx.state.auth);
    });
    return app.callback();
  }
  if (framework === 'hono') {
    const app = new Hono<{ Variables: { auth: AuthContext } }>();
    app.post('/backchannel-logout', honoLogout(logout));
    app.use('/orders', honoAuth(auth));
    app.get('/orders', (c) => c.json(orders(c.var.auth)));
    return getRequestListener(app.fetch);
  }
  // As an app protecting everything does: tokengate at the root, the logout hook added first.
  const app = Fastify();
  app.addHook('onRequest', fastifyLogout(logout));
  app.register(tokengate, auth);
  app.get('/orders', async (request) => orders(request.auth));
  return fastifyListener(app);
}

/** Servers on 127.0.0.1 whose handler is given once their URL is known. */
export class Servers {
  readonly #servers: Server[] = [];

  async listen(): Promise<{ url: string; handle(listener: Listener): void }> {
    let handler: Listener | undefined;
    const server = createServer((req, res) => (handler ? handler(req, res) : res.writeHead(503).end()));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', resolve);
    });
    this.#servers.push(server);
    return {
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      handle: (listener) => {
        handler = listener;
      },
    };
  }

  async close(): Promise<void> {
    await Promise.all(
      this.#servers.splice(0).map(
        (server) =>
          new Promise<void>((resolve) => {
            server.closeAllConnections();
            server.close(() => resolve());
          }),
      ),
    );
  }
}
