/**
 * The four framework apps the introspection tests protect, each answering the same two routes:
 * `GET /orders` (guarded by `orders:read`) and `POST /orders` (guarded by `orders:write`), and
 * `GET /open` with no guard (what `failOpen` lets through), all with the context's summary.
 */

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import type { AuthContext, TokengateOptions } from '@tokengate/core';
import * as ex from '@tokengate/express';
import * as fa from '@tokengate/fastify';
import * as ho from '@tokengate/hono';
import * as ko from '@tokengate/koa';
import express from 'express';
import Fastify from 'fastify';
import { Hono } from 'hono';
import Koa from 'koa';
import { fastifyListener } from './drivers/fastify.js';

/** The frameworks the introspection tests run on. */
export const FRAMEWORKS = ['express', 'koa', 'hono', 'fastify'] as const;
export type Framework = (typeof FRAMEWORKS)[number];

/** What every route answers: the context as the handler saw it. */
export function summary(auth: AuthContext | undefined) {
  return {
    authenticated: auth !== undefined,
    tokenType: auth?.tokenType,
    subject: auth?.subject,
    clientId: auth?.payload.client_id,
    scopes: auth ? [...auth.scopes].sort() : [],
    binding: auth?.binding,
    jkt: auth?.jkt,
  };
}

function build(
  framework: Framework,
  options: TokengateOptions<any>,
): (req: IncomingMessage, res: ServerResponse) => void {
  if (framework === 'express') {
    const app = express();
    app.use(ex.jwtAuth(options));
    app.get('/orders', ex.requireScope('orders:read'), (req, res) => res.json(summary(req.auth)));
    app.post('/orders', ex.requireScope('orders:write'), (req, res) => res.json(summary(req.auth)));
    app.get('/open', (req, res) => res.json(summary(req.auth)));
    app.use(ex.authErrorHandler());
    return app;
  }
  if (framework === 'koa') {
    const app = new Koa();
    app.use(ko.authErrorHandler());
    app.use(ko.jwtAuth(options));
    const route =
      (method: string, path: string, ...chain: Koa.Middleware[]) =>
      async (ctx: Koa.Context, next: Koa.Next) => {
        if (ctx.method !== method || ctx.path !== path) return next();
        const run = async (i: number): Promise<void> => {
          if (i < chain.length) await chain[i]!(ctx, () => run(i + 1));
          else ctx.body = summary(ctx.state.auth);
        };
        await run(0);
      };
    app.use(route('GET', '/orders', ko.requireScope('orders:read') as Koa.Middleware));
    app.use(route('POST', '/orders', ko.requireScope('orders:write') as Koa.Middleware));
    app.use(route('GET', '/open'));
    return app.callback();
  }
  if (framework === 'fastify') {
    const app = Fastify();
    app.register(async (scope) => {
      await scope.register(fa.tokengate, options);
      scope.get('/orders', { preHandler: fa.requireScope('orders:read') }, async (request) =>
        summary(request.auth),
      );
      scope.post('/orders', { preHandler: fa.requireScope('orders:write') }, async (request) =>
        summary(request.auth),
      );
      scope.get('/open', async (request) => summary(request.auth));
    });
    return fastifyListener(app);
  }
  const app = new Hono<{ Variables: { auth: AuthContext | undefined } }>();
  app.use('*', ho.jwtAuth(options));
  app.get('/orders', ho.requireScope('orders:read'), (c) => c.json(summary(c.var.auth)));
  app.post('/orders', ho.requireScope('orders:write'), (c) => c.json(summary(c.var.auth)));
  app.get('/open', (c) => c.json(summary(c.var.auth)));
  app.onError(ho.authErrorHandler());
  return getRequestListener(app.fetch);
}

/** Servers started here, closed by {@link closeAll}. */
const servers: Server[] = [];

/**
 * Starts `framework`'s app on 127.0.0.1; `options` may be a function of the app's own URL (DPoP's
 * `publicUrl`), known once it listens.
 */
export async function startApp(
  framework: Framework,
  options: TokengateOptions<any> | ((url: string) => TokengateOptions<any>),
): Promise<string> {
  let app: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
  const server = createServer((req, res) => app!(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  app = build(framework, typeof options === 'function' ? options(url) : options);
  return url;
}

/** Closes every app started by {@link startApp}. */
export async function closeAll(): Promise<void> {
  await Promise.all(
    servers.splice(0).map(
      (server) =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    ),
  );
}

/** One request: status, headers and the parsed JSON body. */
export async function call(url: string, headers: Record<string, string> = {}, method = 'GET') {
  const response = await fetch(url, { method, headers, signal: AbortSignal.timeout(10_000) });
  const text = await response.text();
  let body: any;
  try {
    body = JSON.parse(text);
  } catch {
    body = text;
  }
  return { status: response.status, headers: response.headers, body };
}
