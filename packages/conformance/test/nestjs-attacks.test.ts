/**
 * The security suite's attack corpus (packages/core/test/security/attacks.ts) through NestJS 12
 * (@tokengate/nestjs) on both platforms, over HTTP on 127.0.0.1, for every key configuration: the
 * global guard of `TokengateModule.forRoot(options)` in front of `GET /protected`, which answers
 * `summarizeAuth(auth)` from `@Auth()`; refusals go through Nest's own exception handling.
 */
import 'reflect-metadata';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { Controller, Get, type INestApplication } from '@nestjs/common';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { Auth, type AuthContext, TokengateModule } from '@tokengate/nestjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { summarizeAuth } from '../../core/test/security/attacks.js';
import { httpDriver, startTrap } from '../../core/test/security/drivers.js';
import { type AttackKit, createAttackKits, KEY_MODES, type KeyMode } from '../../core/test/security/kit.js';
import { describeAttacks } from '../../core/test/security/suite.js';

@Controller('protected')
class Protected {
  @Get()
  get(@Auth() auth: AuthContext) {
    return summarizeAuth(auth);
  }
}

/** A Node listener for a Nest app being built: requests wait for `init()`. */
function nestApp(platform: 'express' | 'fastify') {
  return (options: unknown): RequestListener => {
    const ready = (async (): Promise<INestApplication> => {
      const moduleRef = await Test.createTestingModule({
        imports: [TokengateModule.forRoot(options as Parameters<typeof TokengateModule.forRoot>[0])],
        controllers: [Protected],
      }).compile();
      const app =
        platform === 'express'
          ? moduleRef.createNestApplication({ logger: false })
          : moduleRef.createNestApplication(new FastifyAdapter(), { logger: false });
      await app.init();
      if (platform === 'fastify') {
        await (app.getHttpAdapter().getInstance() as { ready(): Promise<unknown> }).ready();
      }
      return app;
    })();
    return (req: IncomingMessage, res: ServerResponse) => {
      ready.then(
        (app) => {
          const instance = app.getHttpAdapter().getInstance() as
            | ((req: IncomingMessage, res: ServerResponse) => void)
            | { routing(req: IncomingMessage, res: ServerResponse): void };
          if (typeof instance === 'function') instance(req, res);
          else instance.routing(req, res);
        },
        (error: unknown) => res.writeHead(500).end(String(error)),
      );
    };
  };
}

let trap: Awaited<ReturnType<typeof startTrap>>;
let kits: Record<KeyMode, AttackKit>;
beforeAll(async () => {
  trap = await startTrap();
  kits = createAttackKits(trap.url);
});
afterAll(() => trap.close());

for (const driver of [
  httpDriver('nest 12 (platform-express)', nestApp('express'), { reportsCode: true }),
  httpDriver('nest 12 (platform-fastify)', nestApp('fastify'), { reportsCode: true }),
]) {
  describe(`attacks through ${driver.name}`, () => {
    for (const mode of KEY_MODES) describeAttacks(mode, driver, mode, () => kits[mode]);
  });
}

describe('token-chosen URLs', () => {
  it('no attack made the Nest guard fetch anything (jku, x5u, URL kid)', () => {
    expect(trap.hits()).toBe(0);
  });
});
