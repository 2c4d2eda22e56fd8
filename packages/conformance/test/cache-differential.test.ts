/**
 * The cache's differential test (issue 11) through every adapter's whole request lifecycle:
 * Express, Koa and Fastify on real servers on 127.0.0.1, Hono through `app.request()` on the WebCrypto
 * backend. Each framework runs two apps, cache on and `cache: false`, with the same options; at
 * every step both answer the same status, `WWW-Authenticate` and body (the context as JSON, or
 * the error). The harness, its commands and its revocation model are in
 * `packages/core/test/token/differential-harness.ts`; the core verifier runs many more steps in
 * `packages/core/test/token/cache-differential.test.ts`.
 *
 * Replay a failure with the seed it prints: `TOKENGATE_DIFF_SEED=<seed> npx vitest run <this file>`.
 */
import { createServer } from 'node:http';
import { createTestIssuer } from '@tokengate/core/testing';
import { jwtAuth as expressAuth, authErrorHandler as expressErrors } from '@tokengate/express';
import { tokengate } from '@tokengate/fastify';
import { jwtAuth as honoAuth } from '@tokengate/hono';
import { jwtAuth as koaAuth, authErrorHandler as koaErrors } from '@tokengate/koa';
import express from 'express';
import Fastify from 'fastify';
import { Hono } from 'hono';
import Koa from 'koa';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  mutateContext,
  type Pair,
  type PairFactory,
  type RemoteIdp,
  runDifferential,
  type Verdict,
} from '../../core/test/token/differential-harness.js';
import { fastifyListener } from './drivers/fastify.js';
import { listen } from './http.js';
import type { CaseResponse, Target } from './routes.js';

const RUNS = Number(process.env.TOKENGATE_DIFF_HTTP_RUNS ?? 16);

let remote: RemoteIdp;
beforeAll(async () => {
  // Only Date is faked (sockets and timers stay real), before any verifier exists.
  vi.useFakeTimers({ toFake: ['Date'] });
  const idp = await createTestIssuer({ alg: 'ES256' });
  remote = { idp, server: await idp.listen() };
});
afterAll(async () => {
  await remote?.server.close();
  vi.useRealTimers();
});

function verdict(response: CaseResponse): Verdict {
  const challenge = response.headers['www-authenticate'];
  return `${response.status} ${response.text}${challenge ? ` | ${challenge}` : ''}`;
}

/** The route every app serves: the context as JSON; `/mutate` then mutates it, as a careless handler might. */
const PATH = (mutate: boolean) => (mutate ? '/mutate' : '/');
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

async function expressApp(options: object): Promise<Target> {
  const app = express();
  app.use(expressAuth(options as never));
  app.get('/', (req, res) => {
    res.json(req.auth);
  });
  app.get('/mutate', (req, res) => {
    const json = JSON.stringify(req.auth);
    mutateContext(req.auth as never);
    res.type('json').send(json);
  });
  app.use(expressErrors());
  return listen(createServer(app));
}

async function koaApp(options: object): Promise<Target> {
  const app = new Koa();
  app.silent = true;
  app.use(koaErrors());
  app.use(koaAuth(options as never));
  app.use(async (ctx) => {
    const json = JSON.stringify(ctx.state.auth);
    if (ctx.path === '/mutate') mutateContext(ctx.state.auth as never);
    ctx.type = 'json';
    ctx.body = json;
  });
  return listen(createServer(app.callback()));
}

async function fastifyApp(options: object): Promise<Target> {
  const app = Fastify();
  app.register(tokengate, options as never);
  const json = (auth: unknown) => JSON.stringify(auth);
  app.get('/', async (request, reply) => reply.type('application/json').send(json(request.auth)));
  app.get('/mutate', async (request, reply) => {
    const body = json(request.auth);
    mutateContext(request.auth as never);
    return reply.type('application/json').send(body);
  });
  return listen(createServer(fastifyListener(app)));
}

function honoApp(options: object): Target {
  const app = new Hono();
  app.use('*', honoAuth({ ...(options as object), crypto: 'webcrypto' } as never) as never);
  app.get('/', (c) => c.json((c.var as { auth: unknown }).auth));
  app.get('/mutate', (c) => {
    const auth = (c.var as { auth: never }).auth;
    const json = JSON.stringify(auth);
    mutateContext(auth);
    return c.body(json, 200, { 'content-type': 'application/json' });
  });
  return {
    async send(spec) {
      const res = await app.request(spec.path ?? '/', { headers: spec.headers as Record<string, string> });
      const headers: Record<string, string> = {};
      res.headers.forEach((value, name) => {
        headers[name] = value;
      });
      return { status: res.status, headers, body: undefined, text: await res.text() };
    },
    close: async () => {},
  };
}

const apps: PairFactory = async (optionsFor) => {
  const pairs: Pair[] = [];
  for (const [name, start] of [
    ['express', expressApp],
    ['koa', koaApp],
    ['fastify', fastifyApp],
    ['hono (WebCrypto)', async (o: object) => honoApp(o)],
  ] as const) {
    const cached = await start(optionsFor(`${name}/cached`));
    const uncached = await start({ ...optionsFor(`${name}/uncached`), cache: false });
    const ask = (target: Target) => async (token: string, mutate: boolean) =>
      verdict(await target.send({ path: PATH(mutate), headers: bearer(token) }));
    pairs.push({
      name,
      cached: ask(cached),
      uncached: ask(uncached),
      close: async () => {
        await cached.close();
        await uncached.close();
      },
    });
  }
  return pairs;
};

describe('verified-token cache: differential against cache: false, through every adapter', () => {
  it('Express, Koa, Fastify and Hono answer with the cache as without it, at every step', {
    timeout: 120_000,
  }, async () => {
    const t0 = performance.now();
    const steps = await runDifferential({
      remote,
      factory: apps,
      runs: RUNS,
      maxCommands: 40,
      label: 'adapters',
    });
    console.log(
      `adapters: ${steps} verification steps (each through 2 apps) in ${Math.round(performance.now() - t0)} ms`,
    );
    expect(steps).toBeGreaterThan(RUNS * 3);
  });
});
