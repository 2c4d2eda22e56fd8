import 'reflect-metadata';
import { All, Controller, HttpCode, type INestApplication, Req, type Type } from '@nestjs/common';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import type { TokengateOptions } from '@tokengate/core';
import * as adapter from '@tokengate/nestjs';
import {
  Auth,
  type AuthContext,
  AuthenticateWith,
  protectedResourceMetadata,
  TokengateModule,
} from '@tokengate/nestjs';
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

/** What the guard leaves on the platform's request besides the recorded outcome. */
interface Slots {
  authError?: Parameters<typeof summarize>[1];
}

/** The Nest decorator of a table guard: `requireScope` → `@RequireScope(...)`, `requireAuth` → `@Authenticated()`. */
function requirement(name: GuardName): ClassDecorator & MethodDecorator {
  const { middleware, args } = GUARDS[name];
  const decorator = middleware === 'requireAuth' ? 'Authenticated' : middleware.replace(/^r/, 'R');
  return (adapter as unknown as Record<string, (...a: unknown[]) => ClassDecorator & MethodDecorator>)[
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
function controllers(prefix: string, verify?: TokengateOptions<any>): Type[] {
  const own: ClassDecorator = verify ? AuthenticateWith(verify) : () => {};
  const made: Type[] = [];

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
      @requirement(name)
      handle(@Auth({ optional: true }) auth: AuthContext | undefined, @Req() request: Slots) {
        return summary(auth, request);
      }
    }
    @Controller(`${prefix}/decorated/${name}`)
    @own
    @requirement(name)
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
 * NestJS (12) on `platform`: `TokengateModule.forRoot(options)` (the global guard), the table's
 * routes as controllers, built with Nest's testing module and served on 127.0.0.1; with `inner`
 * options, the `/inner` controllers authenticate with them instead (`@AuthenticateWith`).
 */
export function nestDriver(name: string, platform: 'express' | 'fastify'): Driver {
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
      const moduleRef = await Test.createTestingModule({
        imports: [TokengateModule.forRoot(options)],
        controllers: [...controllers(''), ...(inner ? controllers(INNER, inner) : [])],
      }).compile();
      const app: INestApplication =
        platform === 'express'
          ? moduleRef.createNestApplication({ logger: false })
          : moduleRef.createNestApplication(new FastifyAdapter({ ignoreTrailingSlash: true }), {
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
