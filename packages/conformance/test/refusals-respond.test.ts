/**
 * `refusals: 'respond'` (issue 26, item 13): every adapter answers a refusal in place — the same
 * status, challenge and JSON body as through its error path — and the app's own error handler
 * never sees it; with the default (`'error'`), the same app's handler does. Real apps in each
 * framework, each with an error handler of its own that marks what it answers.
 */
import { createServer, type Server } from 'node:http';
import { getRequestListener } from '@hono/node-server';
import { createTestIssuer, type TestIssuer } from '@tokengate/core/testing';
import * as ex from '@tokengate/express';
import * as fa from '@tokengate/fastify';
import * as ho from '@tokengate/hono';
import * as ko from '@tokengate/koa';
import express from 'express';
import Fastify from 'fastify';
import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import Koa from 'koa';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { listen } from './http.js';
import type { CaseRequest, CaseResponse } from './routes.js';

type Mode = 'error' | 'respond';
type Target = { send(spec: CaseRequest): Promise<CaseResponse>; close(): Promise<void> };

let idp: TestIssuer;
const targets: Target[] = [];
beforeAll(async () => {
  idp = await createTestIssuer({ alg: 'HS256', audience: 'api' });
});
afterEach(async () => {
  await Promise.all(targets.splice(0).map((t) => t.close()));
});

const options = (refusals: Mode) => ({ secret: idp.secret!, audience: 'api', refusals });
const marked = (status: number, headers: Record<string, string>) => ({
  status,
  headers: { ...headers, 'x-app-error-handler': 'yes' },
});

/** One app per framework: `jwtAuth`, a scope guard on `/orders`, and the app's own error handler. */
const APPS: Record<string, (refusals: Mode) => Promise<Target>> = {
  async express(refusals) {
    const app = express();
    app.use(ex.jwtAuth(options(refusals)));
    app.get('/orders', ex.requireScope('orders:read'), (_req, res) => {
      res.json([]);
    });
    app.use(
      (err: ex.AuthError, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
        const { status, headers } = marked(err.status, err.headers);
        res.status(status).set(headers).json(err.toJSON());
      },
    );
    return listen(createServer(app) as Server);
  },
  async koa(refusals) {
    const app = new Koa();
    app.use(async (ctx, next) => {
      try {
        await next();
      } catch (err) {
        const error = err as ko.AuthError;
        const { status, headers } = marked(error.status, error.headers);
        ctx.status = status;
        ctx.set(headers);
        ctx.body = error.toJSON();
      }
    });
    app.use(ko.jwtAuth(options(refusals)));
    app.use(async (ctx, next) => {
      if (ctx.path === '/orders') return ko.requireScope('orders:read')(ctx, next);
      return next();
    });
    app.use((ctx) => {
      ctx.body = [];
    });
    return listen(createServer(app.callback()));
  },
  async hono(refusals) {
    const app = new Hono();
    app.onError((err, c) => {
      const res = err instanceof HTTPException ? err.getResponse() : c.text('error', 500);
      res.headers.set('x-app-error-handler', 'yes');
      return res;
    });
    app.use('*', ho.jwtAuth(options(refusals)));
    app.get('/orders', ho.requireScope('orders:read'), (c) => c.json([]));
    return listen(createServer(getRequestListener(app.fetch)));
  },
  async fastify(refusals) {
    const app = Fastify();
    app.setErrorHandler((error, _request, reply) => {
      const auth = error as unknown as fa.AuthError;
      const { status, headers } = marked(auth.status, auth.headers);
      return reply.code(status).headers(headers).send(auth.toJSON());
    });
    await app.register(fa.tokengate, options(refusals));
    app.get('/orders', { preHandler: fa.requireScope('orders:read') }, async () => []);
    await app.listen({ port: 0, host: '127.0.0.1' });
    const port = (app.server.address() as { port: number }).port;
    const { send } = await import('./http.js');
    return { send: (spec) => send(port, spec), close: () => app.close() };
  },
};

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe.each(Object.keys(APPS))('%s: refusals answered in place', (framework) => {
  async function answers(refusals: Mode) {
    const target = await APPS[framework]!(refusals);
    targets.push(target);
    return {
      missing: await target.send({ path: '/orders' }),
      bad: await target.send({ path: '/orders', headers: bearer('a.b.c') }),
      expired: await target.send({
        path: '/orders',
        headers: bearer(await idp.sign({}, { defect: 'expired' })),
      }),
      malformed: await target.send({ path: '/orders', headers: { authorization: 'Bearer' } }),
      scope: await target.send({ path: '/orders', headers: bearer(await idp.sign({ scope: 'other' })) }),
      ok: await target.send({ path: '/orders', headers: bearer(await idp.sign({ scope: 'orders:read' })) }),
    };
  }

  it("answers as the error path does, without reaching the app's error handler", async () => {
    const [viaHandler, inPlace] = [await answers('error'), await answers('respond')];
    for (const name of ['missing', 'bad', 'expired', 'malformed', 'scope'] as const) {
      const [a, b] = [viaHandler[name], inPlace[name]];
      // The default hands every refusal to the app's handler; 'respond' never does.
      expect(a.headers['x-app-error-handler'], name).toBe('yes');
      expect(b.headers['x-app-error-handler'], name).toBeUndefined();
      expect(b.status, name).toBe(a.status);
      expect(b.headers['www-authenticate'], name).toBe(a.headers['www-authenticate']);
      expect(b.headers['content-type'], name).toMatch(/^application\/json/);
      expect(b.body, name).toEqual(a.body);
    }
    expect([inPlace.missing.status, inPlace.bad.status, inPlace.malformed.status]).toEqual([401, 401, 400]);
    expect(inPlace.expired.body).toMatchObject({ code: 'invalid_token', reason: 'expired' });
    expect(inPlace.scope.status).toBe(403);
    expect(inPlace.ok.status).toBe(200);
  });
});
