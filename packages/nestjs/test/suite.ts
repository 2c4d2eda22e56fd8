/**
 * The @tokengate/nestjs suite, run on both Nest platforms for one Nest major: the Nest packages
 * and the adapter are handed in (`NestKit`), so the same suite runs Nest 12 here and Nest 11 from
 * examples/nestjs11, whose packages resolve each other (see its package.json).
 */
import type * as NestCommon from '@nestjs/common';
import type * as NestConfig from '@nestjs/config';
import type * as NestCore from '@nestjs/core';
import type * as NestFastify from '@nestjs/platform-fastify';
import type * as NestTesting from '@nestjs/testing';
import { createTestIssuer, type TestIssuer } from '@tokengate/core/testing';
import type * as Tokengate from '@tokengate/nestjs';
import { SignJWT } from 'jose';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** One Nest major's packages, and the adapter as that major's apps load it. */
export interface NestKit {
  common: typeof NestCommon;
  core: typeof NestCore;
  testing: typeof NestTesting;
  config: typeof NestConfig;
  fastify: typeof NestFastify;
  tokengate: typeof Tokengate;
}

const AUD = 'api://orders';
const ADMIN_SECRET = 'another-secret-of-32-bytes-or-more!!';

/** Log lines Nest wrote at level `error` (an unhandled exception is one). */
function captureLogger(errors: string[]): NestCommon.LoggerService {
  return {
    log: () => {},
    warn: () => {},
    debug: () => {},
    verbose: () => {},
    error: (message: unknown) => errors.push(String(message)),
  };
}

export function describeNest(label: string, kit: NestKit): void {
  const { Body, Catch, Controller, Delete, Get, HttpCode, Param, Post, Query, Req } = kit.common;
  const { BaseExceptionFilter } = kit.core;
  const {
    Auth,
    Authenticated,
    AuthenticateWith,
    authErrorOf,
    isAuthError,
    Public,
    RequireAnyRole,
    RequireClaims,
    RequireRole,
    RequireScope,
    TokengateModule,
  } = kit.tokengate;
  type Ctx = Tokengate.AuthContext;

  let idp: TestIssuer;
  const runs = { count: 0 };
  beforeAll(async () => {
    idp = await createTestIssuer({ alg: 'HS256', issuer: 'https://idp.test', audience: AUD });
  });
  const options = () => ({ secret: idp.secret!, issuer: 'https://idp.test', audience: AUD });
  const token = (claims: Record<string, unknown> = {}) => idp.sign({ sub: 'alice', ...claims });
  const bearer = async (claims: Record<string, unknown> = {}) => `Bearer ${await token(claims)}`;

  @Controller('orders')
  @RequireScope('orders:read')
  class OrdersController {
    @Get()
    list(@Auth() auth: Ctx) {
      runs.count++;
      return { sub: auth.subject };
    }
    // A requirement written above the route decorator: the route still exists.
    @RequireRole('admin')
    @Delete(':id')
    remove(@Param('id') id: string) {
      runs.count++;
      return { removed: id };
    }
    @Post()
    @HttpCode(200)
    @RequireClaims({ tenant: 'acme' })
    create(@Body() body: unknown) {
      runs.count++;
      return { created: body };
    }
  }

  @Controller('public')
  @Public()
  class PublicController {
    @Get()
    open() {
      runs.count++;
      return { public: true };
    }
    @Get('guarded')
    @RequireAnyRole('admin', 'support')
    guarded() {
      runs.count++;
      return { guarded: true };
    }
  }

  @Controller()
  class MiscController {
    @Get('health')
    @Public()
    health() {
      return 'ok';
    }
    @Get('boom')
    @Public()
    boom() {
      throw new Error('boom');
    }
    @Get('me')
    me(@Auth() auth: Ctx) {
      runs.count++;
      return { sub: auth.subject, scopes: [...auth.scopes] };
    }
    @Get('maybe')
    maybe(@Auth({ optional: true }) auth: Ctx | undefined, @Req() req: { authError?: { code: string } }) {
      runs.count++;
      return { sub: auth?.subject ?? null, error: req.authError?.code ?? null };
    }
    @Get('authenticated')
    @Authenticated()
    authenticated(@Query('auth') _auth: unknown) {
      runs.count++;
      return { ok: true };
    }
  }

  @Controller('admin')
  @AuthenticateWith({ secret: ADMIN_SECRET, audience: 'api://admin' })
  class AdminController {
    @Get()
    get(@Auth() auth: Ctx) {
      return { sub: auth.subject };
    }
  }

  @Catch()
  class AllErrors extends BaseExceptionFilter {
    static seen: unknown[] = [];
    override catch(exception: unknown, host: NestCommon.ArgumentsHost) {
      AllErrors.seen.push(exception);
      super.catch(exception, host);
    }
  }

  type Platform = 'express' | 'fastify';
  async function start(
    platform: Platform,
    imports: unknown[],
    setup: (app: NestCommon.INestApplication) => void = () => {},
  ) {
    const errors: string[] = [];
    const moduleRef = await kit.testing.Test.createTestingModule({
      imports: imports as NestCommon.DynamicModule[],
      controllers: [OrdersController, PublicController, MiscController, AdminController],
    }).compile();
    const app =
      platform === 'express'
        ? moduleRef.createNestApplication({ logger: captureLogger(errors) })
        : moduleRef.createNestApplication(new kit.fastify.FastifyAdapter(), {
            logger: captureLogger(errors),
          });
    setup(app);
    await app.init();
    if (platform === 'fastify')
      await (app.getHttpAdapter().getInstance() as { ready(): Promise<void> }).ready();
    return { app, http: () => request(app.getHttpServer()), errors };
  }

  describe.each<Platform>(['express', 'fastify'])(`${label} on platform-%s`, (platform) => {
    let served: Awaited<ReturnType<typeof start>>;
    beforeAll(async () => {
      served = await start(platform, [TokengateModule.forRoot(options())]);
    });
    afterAll(() => served.app.close());

    it('no token: 401 with the challenge and the JSON body of every adapter; nothing logged', async () => {
      runs.count = 0;
      const res = await served.http().get('/me');
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toBe('Bearer');
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(res.body).toEqual({
        error: 'unauthorized',
        code: 'missing_token',
        error_description: 'no bearer token was sent',
      });
      expect(runs.count).toBe(0);
      expect(served.errors).toEqual([]);
    });

    it('(the log capture works: an app bug is logged as Nest logs unhandled errors)', async () => {
      const before = served.errors.length;
      expect((await served.http().get('/boom')).status).toBe(500);
      expect(served.errors.length).toBeGreaterThan(before);
      served.errors.length = before;
    });

    it('a valid token: @Auth() injects the context', async () => {
      const res = await served
        .http()
        .get('/me')
        .set('authorization', await bearer({ scope: 'a b' }));
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ sub: 'alice', scopes: ['a', 'b'] });
    });

    it('a bad token: 401 invalid_token with its reason', async () => {
      const expired = await idp.sign({ sub: 'alice' }, { defect: 'expired' });
      const res = await served.http().get('/me').set('authorization', `Bearer ${expired}`);
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toMatch(/^Bearer error="invalid_token", error_description="/);
      expect(res.body).toMatchObject({ error: 'invalid_token', code: 'invalid_token', reason: 'expired' });
    });

    it('@Public() on a route and on a controller: no token needed', async () => {
      expect((await served.http().get('/health')).status).toBe(200);
      expect((await served.http().get('/public')).body).toEqual({ public: true });
    });

    it('@Public() controller, route with a requirement: the requirement wins (fails closed)', async () => {
      expect((await served.http().get('/public/guarded')).status).toBe(401);
      const user = await served
        .http()
        .get('/public/guarded')
        .set('authorization', await bearer());
      expect(user.status).toBe(403);
      expect(user.body.code).toBe('insufficient_role');
      const ok = await served
        .http()
        .get('/public/guarded')
        .set('authorization', await bearer({ roles: ['support'] }));
      expect(ok.body).toEqual({ guarded: true });
    });

    it('class and method requirements both apply (AND), whatever the decorator order', async () => {
      const scopeOnly = await bearer({ scope: 'orders:read' });
      const roleOnly = await bearer({ roles: ['admin'] });
      const both = await bearer({ scope: 'orders:read', roles: ['admin'] });
      expect((await served.http().get('/orders').set('authorization', scopeOnly)).body).toEqual({
        sub: 'alice',
      });
      const noScope = await served.http().get('/orders').set('authorization', roleOnly);
      expect(noScope.status).toBe(403);
      expect(noScope.headers['www-authenticate']).toBe(
        'Bearer error="insufficient_scope", error_description="token lacks a required scope", scope="orders:read"',
      );
      runs.count = 0;
      const noRole = await served.http().delete('/orders/7').set('authorization', scopeOnly);
      expect(noRole.status).toBe(403);
      expect(noRole.body.code).toBe('insufficient_role');
      expect((await served.http().delete('/orders/7').set('authorization', roleOnly)).status).toBe(403);
      expect(runs.count).toBe(0);
      expect((await served.http().delete('/orders/7').set('authorization', both)).body).toEqual({
        removed: '7',
      });
    });

    it('issue 21: a body {"auth":{"payload":{"tenant":"acme"}}} does not pass @RequireClaims (handler never runs)', async () => {
      runs.count = 0;
      const forged = { auth: { payload: { tenant: 'acme' }, claims: { tenant: 'acme' } } };
      const evil = await served
        .http()
        .post('/orders')
        .set('authorization', await bearer({ scope: 'orders:read', tenant: 'evil' }))
        .send(forged);
      expect(evil.status).toBe(403);
      expect(evil.body.code).toBe('insufficient_claims');
      expect(runs.count).toBe(0);
      const acme = await served
        .http()
        .post('/orders')
        .set('authorization', await bearer({ scope: 'orders:read', tenant: 'acme' }))
        .send({ order: 1 });
      expect(acme.body).toEqual({ created: { order: 1 } });
    });

    it('issue 21: ?auth=1, a header auth: 1 and a path parameter are no authentication', async () => {
      runs.count = 0;
      expect((await served.http().get('/authenticated?auth=1')).status).toBe(401);
      expect((await served.http().get('/authenticated').set('auth', '1')).status).toBe(401);
      expect((await served.http().delete('/orders/auth')).status).toBe(401);
      expect(runs.count).toBe(0);
    });

    it('@AuthenticateWith: the controller is verified with its own options', async () => {
      const refused = await served
        .http()
        .get('/admin')
        .set('authorization', await bearer());
      expect(refused.status).toBe(401);
      expect(refused.body.code).toBe('invalid_token');
      const admin = await new SignJWT({ sub: 'root', aud: 'api://admin' })
        .setProtectedHeader({ alg: 'HS256' })
        .setExpirationTime('1m')
        .sign(new TextEncoder().encode(ADMIN_SECRET));
      expect((await served.http().get('/admin').set('authorization', `Bearer ${admin}`)).body).toEqual({
        sub: 'root',
      });
    });
  });

  describe.each<Platform>(['express', 'fastify'])(`${label} on platform-%s, other set-ups`, (platform) => {
    it('forRootAsync with ConfigService, credentialsRequired: false', async () => {
      const { ConfigModule, ConfigService } = kit.config;
      const secret = idp.secret!;
      const served = await start(platform, [
        TokengateModule.forRootAsync({
          imports: [ConfigModule.forRoot({ ignoreEnvFile: true, load: [() => ({ AUDIENCE: AUD })] })],
          inject: [ConfigService],
          useFactory: (config: NestConfig.ConfigService) => ({
            secret,
            issuer: 'https://idp.test',
            audience: config.getOrThrow<string>('AUDIENCE'),
            credentialsRequired: false,
          }),
        }),
      ]);
      try {
        expect((await served.http().get('/maybe')).body).toEqual({ sub: null, error: null });
        expect(
          (
            await served
              .http()
              .get('/maybe')
              .set('authorization', await bearer())
          ).body,
        ).toEqual({
          sub: 'alice',
          error: null,
        });
        // @Auth() needs a context; @Authenticated() too; a bad token is still refused.
        expect((await served.http().get('/me')).status).toBe(401);
        expect((await served.http().get('/authenticated?auth=1')).status).toBe(401);
        const expired = await idp.sign({}, { defect: 'expired' });
        expect((await served.http().get('/maybe').set('authorization', `Bearer ${expired}`)).status).toBe(
          401,
        );
        expect(served.errors).toEqual([]);
      } finally {
        await served.app.close();
      }
    });

    it('invalidTokens: "anonymous": the request goes on, request.authError says why', async () => {
      const served = await start(platform, [
        TokengateModule.forRoot({ ...options(), credentialsRequired: false, invalidTokens: 'anonymous' }),
      ]);
      try {
        const expired = await idp.sign({}, { defect: 'expired' });
        expect((await served.http().get('/maybe').set('authorization', `Bearer ${expired}`)).body).toEqual({
          sub: null,
          error: 'invalid_token',
        });
      } finally {
        await served.app.close();
      }
    });

    it("an app's catch-all filter (BaseExceptionFilter) sees the AuthError as cause; the answer keeps status and challenge", async () => {
      AllErrors.seen = [];
      const served = await start(
        platform,
        [TokengateModule.forRoot({ ...options(), realm: 'orders' })],
        (app) => app.useGlobalFilters(new AllErrors(app.getHttpAdapter())),
      );
      try {
        const res = await served
          .http()
          .get('/orders')
          .set('authorization', await bearer());
        expect(res.status).toBe(403);
        expect(res.headers['www-authenticate']).toBe(
          'Bearer realm="orders", error="insufficient_scope", error_description="token lacks a required scope", scope="orders:read"',
        );
        expect(res.body).toEqual({
          error: 'insufficient_scope',
          code: 'insufficient_scope',
          error_description: 'token lacks a required scope',
        });
        expect(AllErrors.seen).toHaveLength(1);
        const seen = AllErrors.seen[0] as { cause?: unknown };
        expect(seen).toBeInstanceOf(kit.common.HttpException);
        expect(isAuthError(seen.cause)).toBe(true);
        expect(authErrorOf(seen)?.code).toBe('insufficient_scope');
        expect(served.errors).toEqual([]);
      } finally {
        await served.app.close();
      }
    });

    it('key source down: 503 with Retry-After, through the app filter too, and no "unhandled" log', async () => {
      AllErrors.seen = [];
      const rs = await createTestIssuer({ alg: 'RS256', issuer: 'https://idp.test', audience: AUD });
      const served = await start(
        platform,
        [
          TokengateModule.forRoot({
            jwksUri: 'http://127.0.0.1:9/jwks.json',
            issuer: 'https://idp.test',
            audience: AUD,
            timeoutDuration: '500ms',
          }),
        ],
        (app) => app.useGlobalFilters(new AllErrors(app.getHttpAdapter())),
      );
      try {
        const res = await served
          .http()
          .get('/me')
          .set('authorization', `Bearer ${await rs.sign({ sub: 'a' })}`);
        expect(res.status).toBe(503);
        expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
        expect(res.body).toMatchObject({ error: 'temporarily_unavailable', code: 'key_source_unavailable' });
        expect(authErrorOf(AllErrors.seen[0])?.status).toBe(503);
        expect(served.errors).toEqual([]);
      } finally {
        await served.app.close();
      }
    });

    it('a bad option is a TypeError at start-up', async () => {
      await expect(
        start(platform, [
          TokengateModule.forRoot({ issuer: 'https://idp.test', audience: AUD, clockTolerance: -1 }),
        ]),
      ).rejects.toThrow(TypeError);
    });
  });
}
