/**
 * Registers the attack corpus as vitest tests for one driver and one key configuration, so every
 * adapter's test file runs the same table with two lines.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AttackDriver, type AttackSession, attacksFor, notCarriedAt, runAttack } from './attacks.js';
import type { AttackKit, KeyMode } from './kit.js';

/**
 * `describe(title)` with one test per attack that applies to `mode`, each sent through `driver`
 * opened on the kit `kit()` returns (called in `beforeAll`, so kits may be created there).
 *
 * @example
 * ```ts
 * for (const mode of KEY_MODES) describeAttacks(`koa ${mode}`, httpDriver('koa', koaApp, { reportsCode: true }), mode, () => kits[mode]);
 * ```
 */
export function describeAttacks(
  title: string,
  driver: AttackDriver,
  mode: KeyMode,
  kit: () => AttackKit,
): void {
  describe(title, () => {
    let session: AttackSession;
    beforeAll(async () => {
      session = await driver.open(kit());
    });
    afterAll(() => session?.close());
    for (const attack of attacksFor(mode)) {
      if (notCarriedAt(attack, driver.layer)) continue;
      it(attack.name, async () => {
        const result = await runAttack(driver, session, attack, kit());
        expect(result.outcome).toBeDefined();
        expect(result.problems).toEqual([]);
      });
    }
  });
}
