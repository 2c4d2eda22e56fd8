import type * as NestCommon from '@nestjs/common';
import type * as NestFastify from '@nestjs/platform-fastify';
import type * as NestTesting from '@nestjs/testing';
import type { TokengateOptions } from '@tokengate/core';
import type * as Tokengate from '@tokengate/nestjs';
import type { AuthContext } from '@tokengate/nestjs';
import { listen } from '../http.js';
import {
  type Driver,
  GUARD_NAMES,
  GUARDS,
  type GuardName,
  INNER,
  mutate,
  summarize,
  type Target,
} from '../routes.js';

/**
 * One Nest major's packages and the adapter as that major's apps load it: the Nest 12 drivers
 * (drivers/nestjs12.ts) pass this project's, examples/nestjs11 passes Nest 11's.
 */
export interface NestDriverKit {
  common: typeof NestCommon;
  testing: typeof NestTesting;
  fastify: typeof NestFastify;
  tokengate: typeof Tokengate;
}

/** What the guard leaves on the platform's request besides the recorded outcome. */
interface Slots {
  authError?: Parameters<typeof summarize>[1];
}

/** The Nest decorator of a table guard: `requireScope` → `@RequireScope(...)`, `requireAuth` → `@Authenticated()`. */
function requirement(kit: NestDriverKit, name: GuardName): ClassDecorator & MethodDecorator {
  const { middleware, args } = GUARDS[name];
  const decorator = middleware === 'requireAuth' ? 'Authenticated' : middleware.replace(/^r/, 'R');
  return (kit.tokengate as unknown as Record<string, (...a: unknown[]) => ClassDecorator & MethodDecorator>)[
    decorator
  ]!(...args);
}

const summary = (auth: AuthContext | undefined, request: Slots) => summarize(auth, request.authError);

/**
 * The controllers of the table under `prefix` ('' or `/inner`): `/` and `/me`; `/guard/<name>`
 * with the requirement on the handler, `/decorated/<name>` with it on the controller class (Nest
 * has no middleware-vs-decorator split: these are its two places); `/mutate` at the root only.
 * `verify` (the case's `inner` options) makes the controllers authenticate with those instead of
 * the module's (`@AuthenticateWith`).
 */
function controllers(kit: NestDriverKit, prefix: string, verify?: TokengateOptions<any>): NestCommon.Type[] {
  const { All, Controller, HttpCode, Req } = kit.common;
  const { Auth, AuthenticateWith } = kit.tokengate;
  const own: ClassDecorator = verify ? AuthenticateWith(verify) : () => {};
  const made: NestCommon.Type[] = [];

  @Controller(prefix)
  @own
  class Root {
    @All()
    @HttpCode(200)
    root(@Auth({ optional: true }) auth: AuthContext | undefined, @Req() request: Slots) {
      return summary(auth, request);
    }
    @All('me')
    @HttpCode(200)
    me(@Auth() auth: AuthContext) {
      return summarize(auth, undefined);
    }
  }
  made.push(Root);
  if (!prefix) {
    @Controller('mutate')
    class Mutate {
      @All()
      @HttpCode(200)
      mutate(@Auth({ optional: true }) auth: AuthContext | undefined, @Req() request: Slots) {
        mutate(auth);
        return summary(auth, request);
      }
    }
    made.push(Mutate);
  }
  for (const name of GUARD_NAMES) {
    @Controller(`${prefix}/guard/${name}`)
    @own
    class OnHandler {
      @All()
      @HttpCode(200)
      @requirement(kit, name)
      handle(@Auth({ optional: true }) auth: AuthContext | undefined, @Req() request: Slots) {
        return summary(auth, request);
      }
    }
    @Controller(`${prefix}/decorated/${name}`)
    @own
    @requirement(kit, name)
    class OnClass {
      @All()
      @HttpCode(200)
      handle(@Auth({ optional: true }) auth: AuthContext | undefined, @Req() request: Slots) {
        return summary(auth, request);
      }
    }
    made.push(OnHandler, OnClass);
  }
  return made;
}

/**
 * NestJS on `platform`: `TokengateModule.forRoot(options)` (the global guard), the table's routes
 * as controllers, built with Nest's testing module and served on 127.0.0.1; with `inner`
 * options, the `/inner` controllers authenticate with them instead (`@AuthenticateWith`). Nest
 * authenticates routes only: a path without a route is its 404 (`routesOnly`). On Fastify,
 * `ignoreTrailingSlash` lets `/inner/` reach the `/inner` controller, as the other drivers' routers do.
 */
export function nestDriver(name: string, platform: 'express' | 'fastify', kit: NestDriverKit): Driver {
  return {
    name,
    routesOnly: true,
    readHeader: (raw, header) => {
      const value = (raw as { headers: Record<string, string | string[] | undefined> }).headers[header];
      return Array.isArray(value) ? value.join(', ') : value;
    },
    isNative: (raw) => {
      const request = raw as {
        res?: { req?: unknown };
        raw?: { on?: unknown };
        server?: { route?: unknown };
      };
      return platform === 'express'
        ? request.res?.req === raw
        : typeof request.raw?.on === 'function' && typeof request.server?.route === 'function';
    },
    async start(options, inner): Promise<Target> {
      const { TokengateModule, protectedResourceMetadata } = kit.tokengate;
      const moduleRef = await kit.testing.Test.createTestingModule({
        imports: [TokengateModule.forRoot(options)],
        controllers: [...controllers(kit, ''), ...(inner ? controllers(kit, INNER, inner) : [])],
      }).compile();
      const app: NestCommon.INestApplication =
        platform === 'express'
          ? moduleRef.createNestApplication({ logger: false })
          : moduleRef.createNestApplication(new kit.fastify.FastifyAdapter({ ignoreTrailingSlash: true }), {
              logger: false,
            });
      if (options.resource !== undefined) app.use(protectedResourceMetadata(options));
      await app.init();
      if (platform === 'fastify') {
        await (app.getHttpAdapter().getInstance() as { ready(): Promise<unknown> }).ready();
      }
      const target = await listen(app.getHttpServer());
      return {
        send: target.send,
        async close() {
          await target.close();
          await app.close();
        },
      };
    },
  };
}
