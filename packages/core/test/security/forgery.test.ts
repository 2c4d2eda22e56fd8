/**
 * The forgery corpus (forgery.ts) through a real Express 5 app (forgery-express.ts). Koa, Hono
 * and Express 4 run it in packages/conformance/test/security.test.ts.
 */
import express from 'express';
import { afterAll, beforeAll } from 'vitest';
import { startTrap } from './drivers.js';
import { describeForgeries } from './forgery.js';
import { expressForgeryApp } from './forgery-express.js';
import { type AttackKit, createAttackKits } from './kit.js';

let trap: Awaited<ReturnType<typeof startTrap>>;
let kit: AttackKit;
beforeAll(async () => {
  trap = await startTrap();
  kit = createAttackKits(trap.url).HS256;
});
afterAll(() => trap.close());

describeForgeries('forgeries through express 5', () => kit, expressForgeryApp(express));
