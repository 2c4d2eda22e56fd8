/**
 * The security suite's attack corpus (packages/core/test/security/attacks.ts) through the Koa,
 * Hono and Fastify adapters, over HTTP on 127.0.0.1, for every key configuration. Express runs it in
 * packages/core/test/security/attacks.test.ts. One driver per app: each answers
 * `GET /protected` with `summarizeAuth(auth)` and leaves failures to the adapter's error path.
 */
import type { RequestListener } from 'node:http';
import { getRequestListener } from '@hono/node-server';
import * as fastifyAdapter from '@tokengate/fastify';
import * as honoAdapter from '@tokengate/hono';
import * as koaAdapter from '@tokengate/koa';
import fc from 'fast-check';
import Fastify from 'fastify';
import { Hono } from 'hono';
import Koa from 'koa';
import Koa2 from 'koa2';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AttackDriver, attacksFor, summarizeAuth } from '../../core/test/security/attacks.js';
import { fetchDriver, httpDriver, startTrap } from '../../core/test/security/drivers.js';
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
