/**
 * The forgery corpus (packages/core/test/security/forgery.ts, issue 21) through NestJS 12 on both
 * platforms: request input named `auth` (body, query, path parameter, header) handed to a handler
 * with requirements, the same input copied by the app into `request.auth` (by a middleware, before
 * the guard, and by an interceptor, after it and before `@Auth()` is resolved), and a context
 * object forged by the app's code.
 *
 * In Nest, requirements are metadata judged by the global guard on the platform's request, never
 * on a handler's arguments: a handler handed the body is not a wiring error that must fail closed
 * (the corpus's expectation for method-wrapping decorators) but an ordinary route, answered for
 * the token actually sent. `NEST` gives those rows their Nest answer; every other row keeps the
 * corpus's, and a refusal never runs the handler.
 */
import 'reflect-metadata';
import {
  All,
  type ArgumentsHost,
  Body,
  type CallHandler,
  Catch,
  Controller,
  type ExecutionContext,
  Get,
  Headers,
  HttpCode,
  type INestApplication,
  type NestInterceptor,
  Param,
  Post,
  Query,
  Req,
} from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import {
  Auth,
  type AuthContext,
  Authenticated,
  authErrorOf,
  RequireClaims,
  RequireRole,
  TokengateModule,
} from '@tokengate/nestjs';
import type { Observable } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  checkForgery,
  FORGERIES,
  type ForgeryExpectation,
  type ForgeryProbe,
  forgedContext,
  listenerApp,
} from '../../core/test/security/forgery.js';
import { type AttackKit, createAttackKits } from '../../core/test/security/kit.js';

/** The rows whose corpus answer is a closed failure, as Nest answers them: for the token sent. */
const NEST: Record<string, ForgeryExpectation> = {
  'JSON body {"auth":{"payload":{"tenant":"acme"}}} handed to @RequireClaims, token of tenant evil': {
    status: 403,
    code: 'insufficient_claims',
  },
  'JSON body {"auth":1} handed to @RequireClaims, no token': { status: 401, code: 'missing_token' },
  'JSON body handed to @RequireClaims, even with a token of tenant acme': { status: 200 },
  '?auth=1 handed to @Authenticated, no token': { status: 401, code: 'missing_token' },
  'path parameter named auth handed to @Authenticated, no token': { status: 401, code: 'missing_token' },
  'header "auth: 1" handed to @Authenticated, no token': { status: 401, code: 'missing_token' },
};

type Request = { auth?: unknown; body?: { auth?: unknown }; query?: Record<string, unknown>; url?: string };

/** What the app's code copies into `request.auth` on the `/copied…` and `/forged…` routes. */
function copied(request: Request, params?: Record<string, unknown>): unknown {
  const path = request.url ?? '';
  if (path.startsWith('/forged')) return forgedContext();
  if (path.includes('/body/')) return request.body?.auth;
  if (path.includes('/query/'))
    return request.query?.auth ?? new URL(path, 'http://x').searchParams.get('auth');
  if (path.includes('/params/')) return params?.auth ?? path.split('/')[3];
  if (path.includes('/headers/')) return (request as { headers?: Record<string, unknown> }).headers?.auth;
  return undefined;
}

function nestForgeryApp(platform: 'express' | 'fastify', probe: ForgeryProbe, kit: AttackKit) {
  const ran = () => {
    probe.ran++;
    return { ran: true };
  };

  @Controller('handed')
  class Handed {
    @Post('body/claims')
    @HttpCode(200)
    @RequireClaims({ tenant: 'acme' })
    claims(@Body() _body: unknown) {
      return ran();
    }
    @Get('query/authenticated')
    @Authenticated()
    query(@Query() _query: unknown) {
      return ran();
    }
    @Get('params/:auth/authenticated')
    @Authenticated()
    params(@Param() _params: unknown) {
      return ran();
    }
    @Get('headers/authenticated')
    @Authenticated()
    headers(@Headers() _headers: unknown) {
      return ran();
    }
    @Post('body-and-request/claims')
    @HttpCode(200)
    @RequireClaims({ tenant: 'acme' })
    both(@Body() _body: unknown, @Req() _request: unknown) {
      return ran();
    }
  }

  /**
   * Each handler also reads the context through @Auth(): the recorded one, never the slot (which
   * the interceptor has just overwritten with request input).
   */
  const sees = (auth: AuthContext | undefined, request: Request) => {
    if (auth !== undefined && auth === request.auth) throw new Error('@Auth() injected the slot');
    return ran();
  };

  @Controller()
  class Copied {
    @All(['copied/body/claims', 'copied-decorated/body/claims'])
    @HttpCode(200)
    @RequireClaims({ tenant: 'acme' })
    claims(@Auth({ optional: true }) auth: AuthContext | undefined, @Req() request: Request) {
      return sees(auth, request);
    }
    @All([
      'copied/query/authenticated',
      'copied/params/:auth/authenticated',
      'copied-decorated/headers/authenticated',
    ])
    @HttpCode(200)
    @Authenticated()
    authenticated(@Auth({ optional: true }) auth: AuthContext | undefined, @Req() request: Request) {
      return sees(auth, request);
    }
    @All(['forged/role', 'forged-decorated/role'])
    @HttpCode(200)
    @RequireRole('admin')
    role(@Auth() auth: AuthContext) {
      if (!auth.roles.has('admin')) throw new Error('a forged context reached the handler');
      return ran();
    }
  }

  /** The app's code copying request input into the slot after the guard, before the handler. */
  class CopyAfterGuard implements NestInterceptor {
    intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
      const request = context.switchToHttp().getRequest<Request & { params?: Record<string, unknown> }>();
      if (/^\/(copied|forged)/.test(request.url ?? '')) request.auth = copied(request, request.params);
      return next.handle();
    }
  }

  @Catch()
  class Errors extends BaseExceptionFilter {
    override catch(exception: unknown, host: ArgumentsHost) {
      if (!authErrorOf(exception)) probe.errors.push((exception as Error).message);
      super.catch(exception, host);
    }
  }

  return async (): Promise<INestApplication> => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        TokengateModule.forRoot({ ...kit.options, credentialsRequired: false } as Parameters<
          typeof TokengateModule.forRoot
        >[0]),
      ],
      controllers: [Handed, Copied],
    }).compile();
    const app =
      platform === 'express'
        ? moduleRef.createNestApplication({ logger: false })
        : moduleRef.createNestApplication(new FastifyAdapter(), { logger: false });
    // The app's code copying request input into the slot before the guard (a middleware).
    app.use((request: Request & { raw?: unknown }, _response: unknown, next: () => void) => {
      if (/^\/(copied|forged)/.test(request.url ?? '')) request.auth = copied(request);
      next();
    });
    app.useGlobalInterceptors(new CopyAfterGuard());
    app.useGlobalFilters(new Errors(app.getHttpAdapter()));
    await app.init();
    if (platform === 'fastify') {
      await (app.getHttpAdapter().getInstance() as { ready(): Promise<unknown> }).ready();
    }
    return app;
  };
}

let kit: AttackKit;
beforeAll(() => {
  kit = createAttackKits('http://127.0.0.1:9/unused').HS256;
});

describe.each(['express', 'fastify'] as const)(
  'forgeries (issue 21) through nest 12 (platform-%s)',
  (platform) => {
    const probe: ForgeryProbe = { ran: 0, errors: [] };
    let app: INestApplication;
    let send: ReturnType<typeof listenerApp>['send'];
    beforeAll(async () => {
      app = await nestForgeryApp(platform, probe, kit)();
      const server = app.getHttpServer();
      const listener = (req: unknown, res: unknown) => server.emit('request', req, res);
      const served = listenerApp((p) => {
        // listenerApp resets its own probe per request: share it with the app's.
        Object.defineProperty(p, 'ran', { get: () => probe.ran, set: (v) => (probe.ran = v) });
        Object.defineProperty(p, 'errors', { get: () => probe.errors, set: (v) => (probe.errors = v) });
        return listener as Parameters<typeof listenerApp>[0] extends (p: ForgeryProbe) => infer L ? L : never;
      });
      send = served.send;
    });
    afterAll(() => app.close());

    it('every row of the corpus has a Nest answer', () => {
      const unmapped = FORGERIES.filter((row) => 'failsClosed' in row.expect && !(row.name in NEST));
      expect(unmapped.map((row) => row.name)).toEqual([]);
    });

    it.each(FORGERIES.map((row) => ({ name: row.name, row })))('$name', async ({ row }) => {
      const expected = NEST[row.name] ?? row.expect;
      const response = await send(row.build(kit));
      expect(checkForgery({ ...row, expect: expected }, response)).toEqual([]);
    });
  },
);
