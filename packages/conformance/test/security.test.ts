/**
 * The security suite's attack corpus (packages/core/test/security/attacks.ts) through the Koa,
 * Hono and Fastify adapters, over HTTP on 127.0.0.1, for every key configuration. Express runs it in
 * packages/core/test/security/attacks.test.ts. One driver per app: each answers
 * `GET /protected` with `summarizeAuth(auth)` and leaves failures to the adapter's error path.
 * The forgery corpus (packages/core/test/security/forgery.ts) runs through Koa 3 and 2, Hono
 * (node-server and `app.fetch`) and Express 4 here, Express 5 in forgery.test.ts.
 */
import type { IncomingMessage, RequestListener } from 'node:http';
import { getRequestListener } from '@hono/node-server';
import * as fastifyAdapter from '@tokengate/fastify';
import * as honoAdapter from '@tokengate/hono';
import * as koaAdapter from '@tokengate/koa';
import express4 from 'express4';
import fc from 'fast-check';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { Hono, type Context as HonoContext, type MiddlewareHandler } from 'hono';
import Koa, { type Context, type Next } from 'koa';
import Koa2 from 'koa2';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AttackDriver, attacksFor, summarizeAuth } from '../../core/test/security/attacks.js';
import { fetchDriver, httpDriver, startTrap } from '../../core/test/security/drivers.js';
import {
  describeForgeries,
  type ForgeryApp,
  type ForgeryProbe,
  fetchApp,
  forgedContext,
  listenerApp,
} from '../../core/test/security/forgery.js';
import { expressForgeryApp } from '../../core/test/security/forgery-express.js';
import { type AttackKit, createAttackKits, KEY_MODES, type KeyMode } from '../../core/test/security/kit.js';
import { describeEvent, httpLeaks } from '../../core/test/security/leak-search.js';
import { describeAttacks } from '../../core/test/security/suite.js';
import { fastifyListener } from './drivers/fastify.js';

type Options = Parameters<typeof koaAdapter.jwtAuth>[0];

/** Koa with tokengate's JSON error handler (`json`), or Koa's own error rendering (`native`). */
function koaApp(KoaClass: typeof Koa, rendering: 'json' | 'native') {
  return (options: unknown) => {
    const app = new KoaClass();
    app.silent = true;
    if (rendering === 'json') app.use(koaAdapter.authErrorHandler());
    app.use(koaAdapter.jwtAuth(options as Options));
    app.use(async (ctx) => {
      if (ctx.path === '/protected') ctx.body = summarizeAuth(ctx.state.auth!);
    });
    return app.callback();
  };
}

/** Hono on @hono/node-server; tokengate's HTTPException carries the JSON error response. */
function honoApp(options: unknown) {
  const app = new Hono();
  app.get('/protected', honoAdapter.jwtAuth(options as Parameters<typeof honoAdapter.jwtAuth>[0]), (c) =>
    c.json(summarizeAuth(c.get('auth')!)),
  );
  return getRequestListener(app.fetch);
}

/** Hono's Fetch handler alone, on the WebCrypto backend (what Workers, Deno and Bun run). */
function honoFetch(options: unknown) {
  const app = new Hono();
  app.get(
    '/protected',
    honoAdapter.jwtAuth({ ...(options as object), crypto: 'webcrypto' } as Parameters<
      typeof honoAdapter.jwtAuth
    >[0]),
    (c) => c.json(summarizeAuth(c.get('auth')!)),
  );
  return (request: Request) => app.fetch(request);
}

/**
 * Fastify 5 with the tokengate plugin: Fastify's default error handler (`default`), or an app
 * `setErrorHandler` that renders refusals from the error (`app`). `log` receives pino's lines.
 */
function fastifyApp(errorHandler: 'default' | 'app', log?: (line: string) => void) {
  return (options: unknown): RequestListener => {
    const app = Fastify({ logger: log ? { level: 'trace', stream: { write: log } } : false });
    if (errorHandler === 'app') {
      app.setErrorHandler((error, _request, reply) =>
        fastifyAdapter.isAuthError(error)
          ? reply.code(error.statusCode).headers(error.headers).send(error.toJSON())
          : reply.send(error),
      );
    }
    app.register(fastifyAdapter.tokengate, options as fastifyAdapter.TokengatePluginOptions);
    app.get('/protected', async (request) => summarizeAuth(request.auth!));
    return fastifyListener(app);
  };
}

const DRIVERS: AttackDriver[] = [
  httpDriver('koa 3', koaApp(Koa, 'json'), { reportsCode: true }),
  httpDriver('koa 3 (Koa error rendering)', koaApp(Koa, 'native'), { reportsCode: false }),
  httpDriver('koa 2', koaApp(Koa2 as unknown as typeof Koa, 'json'), { reportsCode: true }),
  httpDriver('hono (node-server)', honoApp, { reportsCode: true }),
  fetchDriver('hono (app.fetch, WebCrypto)', honoFetch, { reportsCode: true }),
  httpDriver('fastify 5', fastifyApp('default'), { reportsCode: true }),
  httpDriver('fastify 5 (app setErrorHandler)', fastifyApp('app'), { reportsCode: true }),
];

let trap: Awaited<ReturnType<typeof startTrap>>;
let kits: Record<KeyMode, AttackKit>;

beforeAll(async () => {
  trap = await startTrap();
  kits = createAttackKits(trap.url);
});
afterAll(() => trap.close());

for (const driver of DRIVERS) {
  describe(`attacks through ${driver.name}`, () => {
    for (const mode of KEY_MODES) describeAttacks(mode, driver, mode, () => kits[mode]);
  });
}

describe('token-chosen URLs', () => {
  it('no attack made an adapter fetch anything (jku, x5u, URL kid)', () => {
    expect(trap.hits()).toBe(0);
  });
});

describe('no token or key material in Koa, Hono and Fastify error output', () => {
  // Fastify's pino lines (trace level: every request, every refusal) join the hook payloads.
  let logged: string[] = [];
  const apps: [string, (options: unknown) => RequestListener][] = [
    ['koa 3 (JSON)', koaApp(Koa, 'json')],
    ['koa 3 (Koa error rendering)', koaApp(Koa, 'native')],
    ['hono (node-server)', honoApp],
    ['fastify 5 (pino logs)', fastifyApp('default', (line) => logged.push(line))],
    ['fastify 5 (app setErrorHandler, pino logs)', fastifyApp('app', (line) => logged.push(line))],
  ];
  for (const [name, makeApp] of apps) {
    for (const mode of KEY_MODES) {
      it(`${name}, ${mode}: bodies, every response header, hook payloads and logs`, async () => {
        const kit = kits[mode];
        const events: string[] = [];
        logged = events;
        const listener = makeApp({
          ...kit.options,
          onError: (event: Record<string, unknown>) => {
            events.push(describeEvent(event));
          },
          onAuthenticated: (event: Record<string, unknown>) => {
            events.push(describeEvent(event));
          },
        });
        const { problems, refused } = await httpLeaks(listener, kit, attacksFor(mode), events);
        expect(refused).toBeGreaterThan(50);
        expect(problems).toEqual([]);
      });
    }
  }
});

describe('fuzzing Koa, Hono and Fastify with mutated tokens and random Authorization values', () => {
  const runs = Math.max(20, Math.floor(Number(process.env.TOKENGATE_FUZZ_RUNS ?? 150) / 3));
  const headerChar = fc.oneof(
    fc.constantFrom(...'AQgw09azZ-_.=+/ \t%"\\{},;', '\u00e9', '\u00a0', '\u00ff'),
    fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
  );
  const apps: [string, (options: unknown) => RequestListener][] = [
    ['koa 3', koaApp(Koa, 'json')],
    ['hono (node-server)', honoApp],
    ['fastify 5', fastifyApp('default')],
  ];
  for (const [name, makeApp] of apps) {
    it(`${name}: 200 only for the valid token, otherwise 400/401, never 500`, async () => {
      const kit = kits.ES256;
      const valid = kit.token();
      const listener = makeApp(kit.options);
      expect((await request(listener).get('/protected').set('Authorization', `Bearer ${valid}`)).status).toBe(
        200,
      );
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.tuple(fc.nat(), headerChar, fc.constantFrom('flip', 'insert', 'delete')), {
            minLength: 1,
            maxLength: 4,
          }),
          fc.array(headerChar, { maxLength: 80 }).map((c) => c.join('')),
          fc.boolean(),
          async (steps, random, useRandom) => {
            let token = valid;
            for (const [at, ch, op] of steps) {
              const i = at % token.length;
              token =
                op === 'flip'
                  ? token.slice(0, i) + ch + token.slice(i + 1)
                  : op === 'insert'
                    ? token.slice(0, i) + ch + token.slice(i)
                    : token.slice(0, i) + token.slice(i + 1);
            }
            const value = useRandom ? random : `Bearer ${token}`;
            const response = await request(listener).get('/protected').set('Authorization', value);
            if (!useRandom && token.replace(/^[ \t]+|[ \t]+$/g, '') === valid)
              expect(response.status).toBe(200);
            else expect([400, 401]).toContain(response.status);
          },
        ),
        { numRuns: runs },
      );
    });
  }
});

describe('503s through Koa, Hono and Fastify do not reveal the key source URL', () => {
  const apps: [string, (options: unknown) => RequestListener][] = [
    ['koa 3 (JSON)', koaApp(Koa, 'json')],
    ['koa 3 (Koa error rendering)', koaApp(Koa, 'native')],
    ['hono (node-server)', honoApp],
    ['fastify 5', fastifyApp('default')],
    ['fastify 5 (app setErrorHandler)', fastifyApp('app')],
  ];
  for (const [name, makeApp] of apps) {
    it(`${name}: 503 with Retry-After, no URL in the body or headers`, async () => {
      const kit = kits.ES256;
      const listener = makeApp({
        jwksUri: 'http://127.0.0.1:1/jwks.json?api_key=SECRETVALUE123',
        issuer: kit.issuer,
        audience: kit.audience,
        timeoutDuration: '1s',
      });
      const response = await request(listener)
        .get('/protected')
        .set('Authorization', `Bearer ${kit.token()}`);
      expect(response.status).toBe(503);
      expect(response.headers['retry-after']).toMatch(/^\d+$/);
      const texts = [response.text, ...Object.values(response.headers).flat().map(String)];
      expect(texts.filter((t) => /SECRETVALUE123|127\.0\.0\.1:1|jwks\.json/.test(t))).toEqual([]);
    });
  }
});

/** Reads a JSON request body (no body parser: what `@koa/bodyparser` would put in `ctx.request.body`). */
async function readJson(req: IncomingMessage): Promise<any> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return chunks.length === 0 ? undefined : JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

/** The Koa forgery app (routes: see `ForgeryApp`), with a hand-rolled router (Koa has none). */
function koaForgeryApp(KoaClass: typeof Koa) {
  return (kit: AttackKit): ForgeryApp =>
    listenerApp((probe) => {
      const { Authenticated, RequireClaims, RequireRole } = koaAdapter;
      class Controller {
        @RequireClaims({ tenant: 'acme' }) claims(_input: unknown, _ctx?: Context) {
          probe.ran++;
          return { ran: true };
        }
        @Authenticated() authenticated(_input: unknown) {
          probe.ran++;
          return { ran: true };
        }
        @RequireClaims({ tenant: 'acme' }) async claimsNative(ctx: Context, _next: Next) {
          done(ctx);
        }
        @Authenticated() async authenticatedNative(ctx: Context, _next: Next) {
          done(ctx);
        }
        @RequireRole('admin') async roleNative(ctx: Context, _next: Next) {
          done(ctx);
        }
      }
      const done = (ctx: Context) => {
        probe.ran++;
        ctx.body = { ran: true };
      };
      const c = new Controller();
      const claimsGuard = koaAdapter.requireClaims({ tenant: 'acme' });
      const authGuard = koaAdapter.requireAuth();
      const roleGuard = koaAdapter.requireRole('admin');
      const app = new KoaClass();
      app.silent = true;
      app.use(async (ctx, next) => {
        try {
          await next();
        } catch (error) {
          if (koaAdapter.isAuthError(error)) throw error;
          probe.errors.push(error instanceof Error ? error.message : String(error));
          ctx.status = 500;
          ctx.body = { error: 'internal' };
        }
      });
      app.use(koaAdapter.authErrorHandler());
      app.use(koaAdapter.jwtAuth({ ...kit.options, credentialsRequired: false } as Options));
      app.use(async (ctx, next) => {
        const body = ctx.method === 'POST' ? await readJson(ctx.req) : undefined;
        const param = /^\/(?:handed|copied)\/params\/([^/]+)\//.exec(ctx.path)?.[1];
        const params = { auth: param };
        const copy = (value: unknown) => {
          ctx.state.auth = value as never;
        };
        const last = async () => done(ctx);
        switch (param === undefined ? ctx.path : ctx.path.replace(param, ':auth')) {
          case '/handed/body/claims':
            ctx.body = c.claims(body);
            return;
          case '/handed/query/authenticated':
            ctx.body = c.authenticated(ctx.query);
            return;
          case '/handed/params/:auth/authenticated':
            ctx.body = c.authenticated(params);
            return;
          case '/handed/headers/authenticated':
            ctx.body = c.authenticated(ctx.headers);
            return;
          case '/handed/body-and-request/claims':
            ctx.body = c.claims(body, ctx);
            return;
          case '/copied/body/claims':
            copy(body?.auth);
            return claimsGuard(ctx, last);
          case '/copied-decorated/body/claims':
            copy(body?.auth);
            return c.claimsNative(ctx, next);
          case '/copied/query/authenticated':
            copy(ctx.query.auth);
            return authGuard(ctx, last);
          case '/copied/params/:auth/authenticated':
            copy(params.auth);
            return authGuard(ctx, last);
          case '/copied-decorated/headers/authenticated':
            copy(ctx.get('auth'));
            return c.authenticatedNative(ctx, next);
          case '/forged/role':
            copy(forgedContext());
            return roleGuard(ctx, last);
          case '/forged-decorated/role':
            copy(forgedContext());
            return c.roleNative(ctx, next);
        }
      });
      return app.callback();
    });
}

/** The Hono forgery app (routes: see `ForgeryApp`). */
function honoForgeryApp(probe: ForgeryProbe, kit: AttackKit): Hono {
  const { Authenticated, RequireClaims, RequireRole } = honoAdapter;
  const done = (c: HonoContext) => {
    probe.ran++;
    return c.json({ ran: true });
  };
  class Controller {
    @RequireClaims({ tenant: 'acme' }) claims(_input: unknown, _c?: HonoContext) {
      probe.ran++;
      return { ran: true };
    }
    @Authenticated() authenticated(_input: unknown) {
      probe.ran++;
      return { ran: true };
    }
    @RequireClaims({ tenant: 'acme' }) claimsNative(c: HonoContext) {
      return done(c);
    }
    @Authenticated() authenticatedNative(c: HonoContext) {
      return done(c);
    }
    @RequireRole('admin') roleNative(c: HonoContext) {
      return done(c);
    }
  }
  const ctrl = new Controller();
  const copy =
    (from: (c: HonoContext) => unknown): MiddlewareHandler =>
    async (c, next) => {
      (c as unknown as { set(key: string, value: unknown): void }).set('auth', await from(c));
      await next();
    };
  const body = (c: HonoContext) => c.req.json().catch(() => undefined);
  const app = new Hono();
  app.onError(
    honoAdapter.authErrorHandler((error, c) => {
      probe.errors.push(error.message);
      return c.json({ error: 'internal' }, 500);
    }),
  );
  app.use(
    honoAdapter.jwtAuth({ ...kit.options, credentialsRequired: false } as Parameters<
      typeof honoAdapter.jwtAuth
    >[0]),
  );
  app.post('/handed/body/claims', async (c) => c.json(ctrl.claims(await body(c))));
  app.get('/handed/query/authenticated', (c) => c.json(ctrl.authenticated(c.req.query())));
  app.get('/handed/params/:auth/authenticated', (c) => c.json(ctrl.authenticated(c.req.param())));
  app.get('/handed/headers/authenticated', (c) => c.json(ctrl.authenticated(c.req.header())));
  app.post('/handed/body-and-request/claims', async (c) => c.json(ctrl.claims(await body(c), c)));
  app.post(
    '/copied/body/claims',
    copy(async (c) => (await body(c))?.auth),
    honoAdapter.requireClaims({ tenant: 'acme' }),
    done,
  );
  app.post(
    '/copied-decorated/body/claims',
    copy(async (c) => (await body(c))?.auth),
    (c) => ctrl.claimsNative(c),
  );
  app.get(
    '/copied/query/authenticated',
    copy((c) => c.req.query('auth')),
    honoAdapter.requireAuth(),
    done,
  );
  app.get(
    '/copied/params/:auth/authenticated',
    copy((c) => c.req.param('auth')),
    honoAdapter.requireAuth(),
    done,
  );
  app.get(
    '/copied-decorated/headers/authenticated',
    copy((c) => c.req.header('auth')),
    (c) => ctrl.authenticatedNative(c),
  );
  app.get('/forged/role', copy(forgedContext), honoAdapter.requireRole('admin'), done);
  app.get('/forged-decorated/role', copy(forgedContext), (c) => ctrl.roleNative(c));
  return app;
}

function fastifyForgeryApp(probe: ForgeryProbe, kit: AttackKit): FastifyInstance {
  const { Authenticated, RequireClaims, RequireRole } = fastifyAdapter;
  type Req = FastifyRequest;
  const ran = () => {
    probe.ran++;
    return { ran: true };
  };
  class Controller {
    @RequireClaims({ tenant: 'acme' }) claims(_input: unknown, _request?: Req) {
      return ran();
    }
    @Authenticated() authenticated(_input: unknown) {
      return ran();
    }
    @RequireClaims({ tenant: 'acme' }) claimsNative(_request: Req, _reply: FastifyReply) {
      return ran();
    }
    @Authenticated() authenticatedNative(_request: Req, _reply: FastifyReply) {
      return ran();
    }
    @RequireRole('admin') roleNative(_request: Req, _reply: FastifyReply) {
      return ran();
    }
  }
  const ctrl = new Controller();
  // What an app that copies request input into the slot does, before a guard or a decorator.
  const copy =
    (from: (request: Req) => unknown) =>
    (request: Req, _reply: FastifyReply, done: (error?: Error) => void) => {
      (request as { auth?: unknown }).auth = from(request);
      done();
    };
  const body = (request: Req) => request.body as { auth?: unknown } | undefined;
  const query = (request: Req) => request.query as Record<string, unknown>;
  const params = (request: Req) => request.params as Record<string, unknown>;
  const app = Fastify();
  app.setErrorHandler(
    fastifyAdapter.authErrorHandler((error, _request, reply) => {
      probe.errors.push(error.message);
      return reply.code(500).send({ error: 'internal' });
    }),
  );
  app.addHook(
    'onRequest',
    fastifyAdapter.jwtAuth({ ...kit.options, credentialsRequired: false } as Parameters<
      typeof fastifyAdapter.jwtAuth
    >[0]),
  );
  app.post('/handed/body/claims', async (request) => ctrl.claims(body(request)));
  app.get('/handed/query/authenticated', async (request) => ctrl.authenticated(query(request)));
  app.get('/handed/params/:auth/authenticated', async (request) => ctrl.authenticated(params(request)));
  app.get('/handed/headers/authenticated', async (request) => ctrl.authenticated(request.headers));
  app.post('/handed/body-and-request/claims', async (request) => ctrl.claims(body(request), request));
  app.post(
    '/copied/body/claims',
    { preHandler: [copy((r) => body(r)?.auth), fastifyAdapter.requireClaims({ tenant: 'acme' })] },
    async () => ran(),
  );
  app.post(
    '/copied-decorated/body/claims',
    { preHandler: copy((r) => body(r)?.auth) },
    async (request, reply) => ctrl.claimsNative(request, reply),
  );
  app.get(
    '/copied/query/authenticated',
    { preHandler: [copy((r) => query(r).auth), fastifyAdapter.requireAuth()] },
    async () => ran(),
  );
  app.get(
    '/copied/params/:auth/authenticated',
    { preHandler: [copy((r) => params(r).auth), fastifyAdapter.requireAuth()] },
    async () => ran(),
  );
  app.get(
    '/copied-decorated/headers/authenticated',
    { preHandler: copy((r) => r.headers.auth) },
    async (request, reply) => ctrl.authenticatedNative(request, reply),
  );
  app.get(
    '/forged/role',
    { preHandler: [copy(forgedContext), fastifyAdapter.requireRole('admin')] },
    async () => ran(),
  );
  app.get('/forged-decorated/role', { preHandler: copy(forgedContext) }, async (request, reply) =>
    ctrl.roleNative(request, reply),
  );
  return app;
}

describe('forgeries (issue 21) through Fastify', () => {
  describeForgeries(
    'fastify 5',
    () => kits.HS256,
    (k) => listenerApp((probe) => fastifyListener(fastifyForgeryApp(probe, k))),
  );
});

describe('forgeries (issue 21) through Koa, Hono and Express 4', () => {
  const kit = () => kits.HS256;
  describeForgeries('koa 3', kit, koaForgeryApp(Koa));
  describeForgeries('koa 2', kit, koaForgeryApp(Koa2 as unknown as typeof Koa));
  describeForgeries('hono (node-server)', kit, (k) =>
    listenerApp((probe) => getRequestListener(honoForgeryApp(probe, k).fetch)),
  );
  describeForgeries('hono (app.fetch)', kit, (k) => fetchApp((probe) => honoForgeryApp(probe, k).fetch));
  describeForgeries(
    'express 4',
    kit,
    expressForgeryApp(express4 as unknown as Parameters<typeof expressForgeryApp>[0]),
  );
});
