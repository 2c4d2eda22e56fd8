// routingControllersAuth through real routing-controllers apps (Express and Koa drivers) and
// supertest: the meaning of `@Authorized(...)` lists, `@CurrentUser()`, refusals under
// routing-controllers' default error handling (status, challenge, Retry-After, JSON `code`), and
// issue 21's forgeries (a body, query, parameter or header named `auth`, Koa's
// `{"state":{"auth":…}}`, an app copying input into `req.auth`/`ctx.state.auth`), each refused
// with the handler never running.
import 'reflect-metadata';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createTestIssuer, type TestIssuer, type TestIssuerServer } from '@tokengate/core/testing';
import * as tokengateExpress from '@tokengate/express';
import * as tokengateKoa from '@tokengate/koa';
import type { NextFunction, Request, Response } from 'express';
import type { Context, Next } from 'koa';
import {
  Authorized,
  Body,
  Controller,
  CurrentUser,
  createExpressServer,
  createKoaServer,
  Get,
  HeaderParam,
  JsonController,
  Param,
  Post,
  QueryParam,
  UseBefore,
} from 'routing-controllers';
import request from 'supertest';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';

type Listener = (req: IncomingMessage, res: ServerResponse) => void;
type Driver = 'express' | 'koa';

/** What ran: a refused request must leave this empty. */
const ran: string[] = [];

/** A context as an app might forge one (what a request body or app code could put in the slot). */
const FORGED = {
  subject: 'mallory',
  scopes: new Set(['orders:read', 'orders:write']),
  roles: new Set(['admin']),
  payload: { sub: 'mallory', scope: 'orders:read orders:write', roles: ['admin'] },
};

/** The app's own code copying request input into the slot its framework's users read. */
function copyIntoExpressSlot(req: Request, _res: Response, next: NextFunction) {
  (req as { auth?: unknown }).auth = FORGED;
  next();
}
function copyIntoKoaSlot(ctx: Context, next: Next) {
  (ctx.state as { auth?: unknown }).auth = FORGED;
  return next();
}

@JsonController('/t')
class TestController {
  @Get('/read')
  @Authorized('orders:read')
  read(@CurrentUser() auth: tokengateExpress.AuthContext) {
    ran.push('read');
    return { sub: auth.subject };
  }

  @Get('/admin')
  @Authorized('role:admin')
  admin() {
    ran.push('admin');
    return { ok: true };
  }

  @Get('/both')
  @Authorized(['orders:read', 'role:admin'])
  both() {
    ran.push('both');
    return { ok: true };
  }

  @Get('/any')
  @Authorized()
  any(@CurrentUser() auth: tokengateExpress.AuthContext) {
    ran.push('any');
    return { sub: auth.subject };
  }

  @Get('/me')
  me(@CurrentUser() auth?: tokengateExpress.AuthContext) {
    ran.push('me');
    return { sub: auth?.subject ?? null };
  }

  @Post('/forge/:auth')
  @Authorized('orders:write')
  forge(
    @Param('auth') param: string,
    @QueryParam('auth') query: string,
    @HeaderParam('auth') header: string,
    @Body() body: unknown,
  ) {
    ran.push('forge');
    return { param, query, header, body };
  }

  @Get('/copied-express')
  @Authorized(['orders:write', 'role:admin'])
  @UseBefore(copyIntoExpressSlot)
  copiedExpress() {
    ran.push('copied');
    return { ok: true };
  }

  @Get('/copied-koa')
  @Authorized(['orders:write', 'role:admin'])
  @UseBefore(copyIntoKoaSlot)
  copiedKoa() {
    ran.push('copied');
    return { ok: true };
  }

  @Get('/bad-entry')
  @Authorized(['role:'])
  badEntry() {
    ran.push('bad-entry');
    return { ok: true };
  }
}

@JsonController('/c')
@Authorized('orders:read')
class ClassLevelController {
  @Get('/admin')
  @Authorized('role:admin')
  admin() {
    ran.push('class-admin');
    return { ok: true };
  }
}

@Controller('/text')
class TextController {
  @Get('/')
  @Authorized('orders:read')
  text() {
    ran.push('text');
    return 'ok';
  }
}

const controllers = [TestController, ClassLevelController, TextController];

let idp: TestIssuer;
let server: TestIssuerServer;
beforeAll(async () => {
  idp = await createTestIssuer({ alg: 'RS256', audience: 'api://orders' });
  server = await idp.listen();
});
afterAll(() => server.close());
beforeEach(() => {
  ran.length = 0;
  server.faults.set(null);
});

const options = () => ({ issuer: server.issuer, audience: 'api://orders' });

function app(driver: Driver, extra: Record<string, unknown> = {}): Listener {
  if (driver === 'express') {
    return createExpressServer({
      controllers,
      ...tokengateExpress.routingControllersAuth(options()),
      ...extra,
    }) as Listener;
  }
  return createKoaServer({
    controllers,
    ...tokengateKoa.routingControllersAuth(options()),
    ...extra,
  }).callback();
}

const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

describe.each(['express', 'koa'] as const)('routing-controllers (%s driver)', (driver) => {
  let listener: Listener;
  beforeAll(() => {
    listener = app(driver);
  });

  it('a valid token with the scope: 200, @CurrentUser() is the verified context', async () => {
    const token = await idp.sign({ sub: 'alice', scope: 'orders:read' });
    const res = await request(listener).get('/t/read').set(bearer(token));
    expect(res.status).toBe(200);
    expect(res.body.sub).toBe('alice');
    expect(ran).toEqual(['read']);
  });

  it('no token: 401 with the challenge and tokengate JSON body', async () => {
    const res = await request(listener).get('/t/read');
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Bearer');
    expect(res.body).toEqual({
      error: 'unauthorized',
      code: 'missing_token',
      error_description: 'no bearer token was sent',
    });
    expect(ran).toEqual([]);
  });

  it('a bad token: 401 invalid_token', async () => {
    const res = await request(listener).get('/t/any').set(bearer('not-a-jwt'));
    expect([400, 401]).toContain(res.status);
    expect(res.headers['www-authenticate']).toMatch(/^Bearer error="(invalid_token|invalid_request)"/);
    expect(res.body.code).toBeTypeOf('string');
    expect(ran).toEqual([]);
  });

  it('a token without the scope: 403 insufficient_scope with scope="…"', async () => {
    const res = await request(listener)
      .get('/t/read')
      .set(bearer(await idp.sign({ sub: 'bob', scope: 'orders:write' })));
    expect(res.status).toBe(403);
    expect(res.headers['www-authenticate']).toBe(
      'Bearer error="insufficient_scope", error_description="token lacks a required scope", scope="orders:read"',
    );
    expect(res.body.code).toBe('insufficient_scope');
    expect(ran).toEqual([]);
  });

  it('`role:` entries name roles: a token without the role gets 403 insufficient_role', async () => {
    const user = await idp.sign({ sub: 'bob', roles: ['user'], scope: 'admin' });
    const res = await request(listener).get('/t/admin').set(bearer(user));
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('insufficient_role');
    // RFC 6750 has no role error: the challenge says insufficient_scope, the body's code is precise.
    expect(res.headers['www-authenticate']).toBe(
      'Bearer error="insufficient_scope", error_description="token lacks a required role"',
    );
    const admin = await idp.sign({ sub: 'ada', roles: ['admin'] });
    expect((await request(listener).get('/t/admin').set(bearer(admin))).status).toBe(200);
    expect(ran).toEqual(['admin']);
  });

  it('a list needs every entry: the scope alone, the role alone are refused', async () => {
    const scopeOnly = await idp.sign({ scope: 'orders:read' });
    const roleOnly = await idp.sign({ roles: ['admin'] });
    const both = await idp.sign({ scope: 'orders:read', roles: ['admin'] });
    const a = await request(listener).get('/t/both').set(bearer(scopeOnly));
    expect([a.status, a.body.code]).toEqual([403, 'insufficient_role']);
    const b = await request(listener).get('/t/both').set(bearer(roleOnly));
    expect([b.status, b.body.code]).toEqual([403, 'insufficient_scope']);
    expect((await request(listener).get('/t/both').set(bearer(both))).status).toBe(200);
    expect(ran).toEqual(['both']);
  });

  it("class-level @Authorized entries add to the method's (both apply)", async () => {
    const adminOnly = await idp.sign({ roles: ['admin'] });
    const res = await request(listener).get('/c/admin').set(bearer(adminOnly));
    expect([res.status, res.body.code]).toEqual([403, 'insufficient_scope']);
    const both = await idp.sign({ scope: 'orders:read', roles: ['admin'] });
    expect((await request(listener).get('/c/admin').set(bearer(both))).status).toBe(200);
    expect(ran).toEqual(['class-admin']);
  });

  it('@Authorized() needs a valid token, nothing more', async () => {
    expect((await request(listener).get('/t/any')).status).toBe(401);
    const res = await request(listener)
      .get('/t/any')
      .set(bearer(await idp.sign({ sub: 'carol' })));
    expect([res.status, res.body]).toEqual([200, { sub: 'carol' }]);
  });

  it('@CurrentUser() without @Authorized(): the context with a token, undefined without, a bad token refused', async () => {
    const none = await request(listener).get('/t/me');
    expect([none.status, none.body]).toEqual([200, { sub: null }]);
    expect(none.headers['www-authenticate']).toBeUndefined();
    const token = await idp.sign({ sub: 'dave' });
    expect((await request(listener).get('/t/me').set(bearer(token))).body).toEqual({ sub: 'dave' });
    const expired = await idp.sign({ sub: 'dave' }, { expiresIn: -120 });
    const bad = await request(listener).get('/t/me').set(bearer(expired));
    expect(bad.status).toBe(401);
    expect(bad.headers['www-authenticate']).toMatch(/^Bearer error="invalid_token"/);
    expect(ran).toEqual(['me', 'me']);
  });

  it('a @Controller (text) refusal keeps status and challenge, and its body is the message, never a stack', async () => {
    const res = await request(listener)
      .get('/text')
      .set(bearer(await idp.sign({ scope: 'x' })));
    expect(res.status).toBe(403);
    expect(res.headers['www-authenticate']).toContain('scope="orders:read"');
    expect(res.text).toBe('AuthRefusal: token lacks a required scope');
    expect(res.text).not.toMatch(/\bat |node_modules|\.ts:/);
    expect(ran).toEqual([]);
  });

  it('a key-source outage: 503 with Retry-After and code, the handler never runs', async () => {
    // An issuer of its own: key sets are shared per URL in the process.
    const down = await createTestIssuer({ alg: 'RS256', audience: 'api://orders' });
    const downServer = await down.listen();
    const fresh =
      driver === 'express'
        ? (createExpressServer({
            controllers,
            ...tokengateExpress.routingControllersAuth({
              issuer: downServer.issuer,
              audience: 'api://orders',
            }),
          }) as Listener)
        : createKoaServer({
            controllers,
            ...tokengateKoa.routingControllersAuth({ issuer: downServer.issuer, audience: 'api://orders' }),
          }).callback();
    const token = await down.sign({ sub: 'erin', scope: 'orders:read' });
    downServer.faults.set('down');
    const res = await request(fresh).get('/t/read').set(bearer(token));
    await downServer.close();
    expect(res.status).toBe(503);
    expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(res.headers['www-authenticate']).toBeUndefined();
    expect(res.body.code).toBe('key_source_unavailable');
    expect(JSON.stringify(res.body)).not.toContain(downServer.url);
    expect(ran).toEqual([]);
  });

  const forgeries = [
    ['a JSON body named auth', { auth: FORGED }],
    ['a JSON body shaped as Koa state', { state: { auth: FORGED } }],
    ['a JSON body with a bare auth flag', { auth: 1 }],
  ] as const;

  it.each(forgeries)(
    'forgery, no token: %s, query, parameter and header named auth → 401',
    async (_name, body) => {
      const res = await request(listener)
        .post('/t/forge/1?auth=1')
        .set('auth', '1')
        .set('Content-Type', 'application/json')
        .send(JSON.stringify(body));
      expect(res.status).toBe(401);
      expect(res.body.code).toBe('missing_token');
      expect(ran).toEqual([]);
    },
  );

  it.each(forgeries)('forgery, a token without the scope: %s and the rest → 403', async (_name, body) => {
    const res = await request(listener)
      .post('/t/forge/1?auth=1')
      .set(bearer(await idp.sign({ sub: 'mallory', scope: 'orders:read' })))
      .set('auth', '1')
      .send(body);
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('insufficient_scope');
    expect(ran).toEqual([]);
  });

  it('the route itself runs with a token that has the scope (the forgery routes are reachable)', async () => {
    const res = await request(listener)
      .post('/t/forge/p?auth=q')
      .set(bearer(await idp.sign({ scope: 'orders:write' })))
      .set('auth', 'h')
      .send({ auth: 1 });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ param: 'p', query: 'q', header: 'h', body: { auth: 1 } });
  });

  it("the app's own code copying an object into the auth slot grants nothing", async () => {
    const path = driver === 'express' ? '/t/copied-express' : '/t/copied-koa';
    expect((await request(listener).get(path)).status).toBe(401);
    const res = await request(listener)
      .get(path)
      .set(bearer(await idp.sign({ sub: 'mallory' })));
    expect([res.status, res.body.code]).toEqual([403, 'insufficient_scope']);
    expect(ran).toEqual([]);
  });

  it('a malformed @Authorized entry (`role:` alone) fails closed: 500, the handler never runs', async () => {
    const res = await request(listener)
      .get('/t/bad-entry')
      .set(bearer(await idp.sign({ roles: ['admin'] })));
    expect(res.status).toBe(500);
    expect(ran).toEqual([]);
  });

  it('with defaultErrorHandler: false the framework error path still answers with status and challenge', async () => {
    const bare = app(driver, { defaultErrorHandler: false });
    const res = await request(bare)
      .get('/t/read')
      .set(bearer(await idp.sign({ scope: 'x' })));
    expect(res.status).toBe(403);
    expect(res.headers['www-authenticate']).toContain('error="insufficient_scope"');
    expect(ran).toEqual([]);
  });
});

describe('wiring mistakes fail closed', () => {
  it('the Express checker in a Koa app: 500, the handler never runs', async () => {
    const wrong = createKoaServer({
      controllers,
      ...tokengateExpress.routingControllersAuth(options()),
    }).callback();
    const res = await request(wrong)
      .get('/t/read')
      .set(bearer(await idp.sign({ scope: 'orders:read' })));
    expect(res.status).toBe(500);
    expect(res.body.message).toMatch(/was handed no Express request/);
    expect(ran).toEqual([]);
  });
});

describe('a jwtAuth() that already ran decides', () => {
  it('its conclusion is used: credentialsRequired: false and no token is still a 401 here', async () => {
    const express = (await import('express')).default;
    const outer = express();
    outer.use(tokengateExpress.jwtAuth({ ...options(), credentialsRequired: false }));
    const { useExpressServer } = await import('routing-controllers');
    useExpressServer(outer, { controllers, ...tokengateExpress.routingControllersAuth(options()) });
    expect((await request(outer).get('/t/read')).status).toBe(401);
    const token = await idp.sign({ sub: 'fay', scope: 'orders:read' });
    expect((await request(outer).get('/t/read').set(bearer(token))).body.sub).toBe('fay');
    expect(ran).toEqual(['read']);
  });
});

describe('Express: routing-controllers passes answered errors on to Express (docs/decorators.md)', () => {
  it('Express logs each refusal unless an error middleware after the controllers ends it', async () => {
    const logged: unknown[] = [];
    const spy = vi.spyOn(console, 'error').mockImplementation((...args) => {
      logged.push(args[0]);
    });
    try {
      const plain = createExpressServer({
        controllers,
        ...tokengateExpress.routingControllersAuth(options()),
      });
      plain.set('env', 'production');
      expect((await request(plain).get('/t/read')).status).toBe(401);
      await new Promise((resolve) => setImmediate(resolve));
      expect(logged.length).toBe(1);

      logged.length = 0;
      const quiet = createExpressServer({
        controllers,
        ...tokengateExpress.routingControllersAuth(options()),
      });
      quiet.set('env', 'production');
      quiet.use((err: unknown, _req: Request, res: Response, next: NextFunction) => {
        if (res.headersSent) return;
        next(err);
      });
      const res = await request(quiet).get('/t/read');
      expect([res.status, res.headers['www-authenticate'], res.body.code]).toEqual([
        401,
        'Bearer',
        'missing_token',
      ]);
      await new Promise((resolve) => setImmediate(resolve));
      expect(logged).toEqual([]);
    } finally {
      spy.mockRestore();
    }
  });
});
