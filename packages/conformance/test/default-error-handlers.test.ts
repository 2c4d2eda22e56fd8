/**
 * A 503 answered by each framework's own default error handling (no `authErrorHandler`, no
 * `onError`, `NODE_ENV` unset — Express then prints `err.stack` into the page) never shows the
 * key source URL, its query secret, or the network error; the detail reaches the hooks instead
 * (issue 12, item 7).
 */
import { createServer } from 'node:http';
import { getRequestListener } from '@hono/node-server';
import type { AuthError, KeySourceEvent } from '@tokengate/core';
import { createTestIssuer } from '@tokengate/core/testing';
import { jwtAuth as expressAuth } from '@tokengate/express';
import { tokengate } from '@tokengate/fastify';
import { jwtAuth as honoAuth } from '@tokengate/hono';
import { jwtAuth as koaAuth } from '@tokengate/koa';
import express from 'express';
import Fastify from 'fastify';
import { Hono } from 'hono';
import Koa from 'koa';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fastifyListener } from './drivers/fastify.js';

const SECRET = 'q-secret-4f1c9e';
let deadUrl: string;
let token: string;
const savedEnv = process.env.NODE_ENV;

beforeAll(async () => {
  // A port that was just free: connecting to it is refused.
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  deadUrl = `http://127.0.0.1:${port}/keys/jwks.json?api_key=${SECRET}`;
  const idp = await createTestIssuer({ alg: 'ES256', kid: 'k1' });
  token = await idp.sign({ sub: 'alice' });
  delete process.env.NODE_ENV;
});
afterAll(() => {
  process.env.NODE_ENV = savedEnv;
});

function options(seen: { errors: AuthError[]; events: KeySourceEvent[] }, app: string) {
  return {
    // One URL per app: key sources are shared by URL, and each app must see its own fetch fail.
    jwksUri: `${deadUrl}&app=${app}`,
    timeoutDuration: '2s',
    onError: ({ error }: { error: AuthError }) => seen.errors.push(error),
    onKeySourceEvent: (event: KeySourceEvent) => seen.events.push(event),
  };
}

function apps(seen: { errors: AuthError[]; events: KeySourceEvent[] }) {
  const ex = express();
  ex.use(expressAuth(options(seen, 'express')));
  ex.get('/', (_req, res) => res.send('ok'));

  const koa = new Koa();
  koa.silent = true;
  koa.use(koaAuth(options(seen, 'koa')));
  koa.use((ctx) => {
    ctx.body = 'ok';
  });

  const hono = new Hono();
  hono.use(honoAuth(options(seen, 'hono')));
  hono.get('/', (c) => c.text('ok'));

  // Fastify with its logger on: the default handler's log line goes to the logs, not the client.
  const fastify = Fastify({ logger: { level: 'info', stream: { write: () => {} } } });
  fastify.register(tokengate, options(seen, 'fastify'));
  fastify.get('/', async () => 'ok');

  return {
    express: ex,
    koa: koa.callback(),
    hono: getRequestListener(hono.fetch),
    fastify: fastifyListener(fastify),
  } as const;
}

describe.each(['express', 'koa', 'hono', 'fastify'] as const)(
  '%s with its default error handling',
  (name) => {
    it('answers 503 with Retry-After and nothing about the key source', async () => {
      const seen = { errors: [] as AuthError[], events: [] as KeySourceEvent[] };
      const app = apps(seen)[name];
      const response = await request(app).get('/').set('authorization', `Bearer ${token}`).timeout(10_000);
      expect(response.status).toBe(503);
      expect(response.headers['retry-after']).toMatch(/^\d+$/);
      const shown = `${response.text}\n${JSON.stringify(response.headers)}`;
      for (const secret of [SECRET, 'api_key', '127.0.0.1', 'http://', 'ECONNREFUSED', '/keys/jwks.json']) {
        expect(shown, `the response shows ${secret}`).not.toContain(secret);
      }
      // The detail is for the hooks and the logs.
      expect(seen.errors.map((e) => e.detail).join('\n')).toContain('127.0.0.1');
      expect(seen.events.some((e) => JSON.stringify(e).includes('127.0.0.1'))).toBe(true);
    });
  },
);
