import { createServer } from 'node:http';
import { getRequestListener } from '@hono/node-server';
import { createTestIssuer, type TestIssuer } from '@tokengate/core/testing';
import * as ex from '@tokengate/express';
import * as fa from '@tokengate/fastify';
import * as ho from '@tokengate/hono';
import * as ko from '@tokengate/koa';
import express from 'express';
import Fastify from 'fastify';
import { Hono } from 'hono';
import Koa from 'koa';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { fastifyListener } from './drivers/fastify.js';
import { listen } from './http.js';
import type { CaseRequest, CaseResponse } from './routes.js';

// Every adapter's error handler renders the same body, status and challenge; Hono's
// authErrorHandler() keeps that answer in an app whose own onError would swallow it, and
// Fastify's in an app whose own setErrorHandler would (Fastify answers it without any handler).

type Target = { send(spec: CaseRequest): Promise<CaseResponse>; close(): Promise<void> };
let idp: TestIssuer;
const targets: Record<string, Target> = {};

beforeAll(async () => {
  idp = await createTestIssuer({ alg: 'HS256', audience: 'api' });
  const options = { secret: idp.secret!, audience: 'api' };

  const e = express();
  e.use(ex.jwtAuth(options));
  e.get('/orders', ex.requireScope('orders:read'), (_req, res) => {
    res.json([]);
  });
  e.use(ex.authErrorHandler());
  targets.express = await listen(createServer(e));

  const k = new Koa();
  k.use(ko.authErrorHandler());
  k.use(ko.jwtAuth(options));
  k.use(ko.requireScope('orders:read'));
  k.use((ctx) => {
    ctx.body = [];
  });
  targets.koa = await listen(createServer(k.callback()));

  // An app with an error handler of its own, as many have: without authErrorHandler() every auth
  // failure would become this handler's 500.
  const catchAll = (_err: Error, c: { json(body: unknown, status: 500): Response }) =>
    c.json({ message: 'internal error' }, 500);
  const h = new Hono();
  h.use('/orders', ho.jwtAuth(options));
  h.get('/orders', ho.requireScope('orders:read'), (c) => c.json([]));
  h.get('/boom', () => {
    throw new Error('boom');
  });
  h.onError(ho.authErrorHandler(catchAll));
  targets.hono = await listen(createServer(getRequestListener(h.fetch)));

  const plain = new Hono();
  plain.use('/orders', ho.jwtAuth(options));
  plain.get('/orders', (c) => c.json([]));
  plain.onError(catchAll);
  targets.honoWithoutHandler = await listen(createServer(getRequestListener(plain.fetch)));

  // Fastify's default error handler: the plugin answers with the same body.
  const f = Fastify();
  await f.register(fa.tokengate, options);
  f.get('/orders', { preHandler: fa.requireScope('orders:read') }, async () => []);
  targets.fastify = await listen(createServer(fastifyListener(f)));

  // An app setErrorHandler of its own, keeping tokengate's answer through authErrorHandler().
  const fh = Fastify();
  fh.setErrorHandler(
    fa.authErrorHandler((_error, _request, reply) => reply.code(500).send({ message: 'internal error' })),
  );
  fh.register(async (api) => {
    await api.register(fa.tokengate, options);
    api.get('/orders', { preHandler: fa.requireScope('orders:read') }, async () => []);
  });
  fh.get('/boom', async () => {
    throw new Error('boom');
  });
  targets.fastifyWithHandler = await listen(createServer(fastifyListener(fh)));
});
afterAll(async () => {
  await Promise.all(Object.values(targets).map((t) => t.close()));
});

const bearer = (token: string): CaseRequest => ({
  path: '/orders',
  headers: { authorization: `Bearer ${token}` },
});

describe('error bodies are the same in every adapter', () => {
  it.each<[string, () => Promise<CaseRequest>]>([
    ['no token', async () => ({ path: '/orders' })],
    ['malformed header', async () => ({ path: '/orders', headers: { authorization: 'Bearer' } })],
    ['garbage token', async () => bearer('a.b.c')],
    ['expired token', async () => bearer(await idp.sign({ scope: 'orders:read' }, { defect: 'expired' }))],
    ['wrong key', async () => bearer(await idp.sign({ scope: 'orders:read' }, { defect: 'wrong-key' }))],
    ['missing scope', async () => bearer(await idp.sign({ scope: 'other' }))],
  ])('%s', async (_name, request) => {
    const spec = await request();
    const answers = Object.fromEntries(
      await Promise.all(
        (['express', 'koa', 'hono', 'fastify', 'fastifyWithHandler'] as const).map(
          async (name) => [name, await targets[name]!.send(spec)] as const,
        ),
      ),
    );
    const reference = answers.express!;
    expect(reference.status).toBeGreaterThanOrEqual(400);
    expect(reference.body).toMatchObject({ code: expect.any(String), error_description: expect.any(String) });
    for (const name of ['koa', 'hono', 'fastify', 'fastifyWithHandler'] as const) {
      const answer = answers[name]!;
      expect(answer.status, name).toBe(reference.status);
      expect(answer.headers['www-authenticate'], name).toBe(reference.headers['www-authenticate']);
      expect(answer.headers['content-type'], name).toMatch(/^application\/json/);
      expect(answer.body, name).toEqual(reference.body);
    }
  });

  it('Hono: authErrorHandler passes other errors to the app’s own handler', async () => {
    const spy = vi.spyOn(console, 'error').mockImplementation(() => {});
    const answer = await targets.hono!.send({ path: '/boom' });
    expect(answer.status).toBe(500);
    expect(answer.body).toEqual({ message: 'internal error' });
    spy.mockRestore();
  });

  it('Fastify: authErrorHandler passes other errors to the app’s own handler; /boom is outside the plugin’s scope', async () => {
    const answer = await targets.fastifyWithHandler!.send({ path: '/boom' });
    expect(answer.status).toBe(500);
    expect(answer.body).toEqual({ message: 'internal error' });
  });

  it('Hono: an own onError without authErrorHandler turns a 401 into its 500 (why the handler exists)', async () => {
    const answer = await targets.honoWithoutHandler!.send({ path: '/orders' });
    expect(answer.status).toBe(500);
  });

  it('Hono: authErrorOf finds the AuthError behind the HTTPException, and without `otherwise` keeps Hono’s default', async () => {
    const app = new Hono();
    app.use('/x', ho.jwtAuth({ secret: idp.secret! }));
    app.get('/x', (c) => c.text('ok'));
    app.get('/teapot', () => {
      throw new (class extends Error {
        getResponse() {
          return new Response('short and stout', { status: 418 });
        }
      })();
    });
    const seen: string[] = [];
    const handler = ho.authErrorHandler();
    app.onError((err, c) => {
      seen.push(ho.authErrorOf(err)?.code ?? 'other');
      return handler(err, c);
    });
    const missing = await app.request('/x');
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toBe('Bearer');
    expect(await missing.json()).toMatchObject({ code: 'missing_token' });
    const spy = vi.spyOn(console, 'error').mockImplementation(() => {});
    expect((await app.request('/teapot')).status).toBe(500);
    spy.mockRestore();
    expect(seen).toEqual(['missing_token', 'other']);
  });
});
