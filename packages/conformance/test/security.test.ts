/**
 * The security suite's attack corpus (packages/core/test/security/attacks.ts) through the Koa and
 * Hono adapters, over HTTP on 127.0.0.1, for every key configuration. Express runs it in
 * packages/core/test/security/attacks.test.ts. One driver per app: each answers
 * `GET /protected` with `summarizeAuth(auth)` and leaves failures to the adapter's error path.
 */
import { getRequestListener } from '@hono/node-server';
import * as honoAdapter from '@tokengate/hono';
import * as koaAdapter from '@tokengate/koa';
import { Hono } from 'hono';
import Koa from 'koa';
import Koa2 from 'koa2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AttackDriver, summarizeAuth } from '../../core/test/security/attacks.js';
import { httpDriver, startTrap } from '../../core/test/security/drivers.js';
import { type AttackKit, createAttackKits, KEY_MODES, type KeyMode } from '../../core/test/security/kit.js';
import { describeAttacks } from '../../core/test/security/suite.js';

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

const DRIVERS: AttackDriver[] = [
  httpDriver('koa 3', koaApp(Koa, 'json'), { reportsCode: true }),
  httpDriver('koa 3 (Koa error rendering)', koaApp(Koa, 'native'), { reportsCode: false }),
  httpDriver('koa 2', koaApp(Koa2 as unknown as typeof Koa, 'json'), { reportsCode: true }),
  httpDriver('hono (node-server)', honoApp, { reportsCode: true }),
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
