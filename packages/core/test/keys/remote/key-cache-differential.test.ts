/**
 * The shared key cache changes who fetches, never what is answered. Over random sequences of
 * requests (known, retired and unknown `kid`s), key rotations and withdrawals, clock moves and
 * provider outages, three sides answer every request:
 *
 * - `reference`: one long-lived instance without a key cache;
 * - `shared`: the same with a key cache (it must be invisible);
 * - `fleet`: instances that restart (a cold isolate replacing the last one) and share the key
 *   cache: together they must answer as the instance that never restarted, and fetch exactly as
 *   often — a cold instance with a warm shared cache makes no fetch the long-lived one would
 *   not have made.
 *
 * What a restart loses is an instance's own failure history (its backoff after a failed fetch):
 * the shared cache holds documents, not failures. So a restart is drawn only while the reference
 * holds no failure; a cold instance during an outage is tested on its own in
 * `key-cache.test.ts`.
 *
 * Instances running side by side see each other's fetches, so they do not answer as one
 * instance; for them the model checks the bound that matters: a key is accepted only from a set
 * the provider published when it was fetched (by any instance), for at most `cacheMaxAge` after
 * that fetch, or `cacheMaxAge + staleIfError` when served stale while fetching fails. Seeds are
 * printed by fast-check; replay with `TOKENGATE_DIFF_SEED`.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isAuthError } from '../../../src/errors/auth-error.js';
import { createMemoryKeyCache, type KeyCache } from '../../../src/keys/remote/key-cache.js';
import { createRemoteJwks, type RemoteJwks } from '../../../src/keys/remote/remote-jwks.js';

const URL_ = 'https://idp.example/jwks';

type Step =
  | { kind: 'request'; pick: 'current' | 'retired' | 'unknown'; index: number }
  | { kind: 'advance'; ms: number }
  | { kind: 'rotate' }
  | { kind: 'withdraw' }
  | { kind: 'down' }
  | { kind: 'up' }
  | { kind: 'restart' };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record({
      kind: fc.constant('request' as const),
      pick: fc.constantFrom('current' as const, 'current' as const, 'retired' as const, 'unknown' as const),
      index: fc.nat(5),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('advance' as const),
      ms: fc.constantFrom(10, 500, 1_500, 20_000, 90_000, 700_000),
    }),
  },
  { weight: 2, arbitrary: fc.constant({ kind: 'rotate' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'withdraw' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'down' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'up' as const }) },
  { weight: 3, arbitrary: fc.constant({ kind: 'restart' as const }) },
);

const timingsArb = fc.record({
  cacheMaxAge: fc.constantFrom(2_000, 30_000, 600_000),
  cooldownDuration: fc.constantFrom(1_000, 30_000),
  staleIfError: fc.constantFrom(0, 5_000, 120_000),
});

/** The provider: its published kids, whether it answers, and the fetches each side made. */
class Provider {
  published = ['k1'];
  retired: string[] = [];
  next = 2;
  up = true;
  fetches = new Map<string, number>();
  /** What was published at each time a fetch was answered (the fake clock stands still during it). */
  answered = new Map<number, Set<string>>();

  constructor(readonly now: () => number = () => 0) {}

  fetchFor(side: string): typeof fetch {
    return (async () => {
      this.fetches.set(side, (this.fetches.get(side) ?? 0) + 1);
      if (!this.up) throw new TypeError('fetch failed');
      this.answered.set(this.now(), new Set(this.published));
      const keys = this.published.map((kid) => ({ kty: 'EC', kid, crv: 'P-256' }));
      return new Response(JSON.stringify({ keys }), { headers: { 'content-type': 'application/json' } });
    }) as typeof fetch;
  }
}

async function answer(jwks: RemoteJwks, kid: string): Promise<string> {
  try {
    const set = await jwks.getKeys(kid);
    return `${set.keys.some((k) => k.kid === kid) ? 'key' : 'unknown_key'}${set.stale ? ' (stale)' : ''} [${set.keys.map((k) => k.kid).join(',')}]`;
  } catch (error) {
    if (!isAuthError(error)) throw error;
    return `${error.status} ${error.code} retry-after ${error.retryAfter}`;
  }
}

describe('keyCache: differential (with a shared cache vs without, restarts included)', () => {
  it('answers and fetches as one long-lived instance without it, over random sequences', async () => {
    await fc.assert(
      fc.asyncProperty(
        timingsArb,
        fc.array(stepArb, { minLength: 5, maxLength: 60 }),
        async (timings, steps) => {
          let t = 1_750_000_000_000;
          const now = () => t;
          const idp = new Provider();
          const options = {
            cacheMaxAge: `${timings.cacheMaxAge}ms`,
            cooldownDuration: `${timings.cooldownDuration}ms`,
            staleIfError: `${timings.staleIfError}ms`,
            now,
            timeoutDuration: '1s',
          };
          const keyCache: KeyCache = createMemoryKeyCache({ now });
          const reference = createRemoteJwks(URL_, { ...options, fetch: idp.fetchFor('reference') });
          const shared = createRemoteJwks(URL_, {
            ...options,
            fetch: idp.fetchFor('shared'),
            keyCache: createMemoryKeyCache({ now }),
          });
          const coldInstance = () =>
            createRemoteJwks(URL_, { ...options, fetch: idp.fetchFor('fleet'), keyCache });
          let fleet = coldInstance();
          let restarts = 0;
          for (const step of steps) {
            if (step.kind === 'advance') t += step.ms;
            else if (step.kind === 'rotate') idp.published.push(`k${idp.next++}`);
            else if (step.kind === 'withdraw' && idp.published.length > 1)
              idp.retired.push(idp.published.shift()!);
            else if (step.kind === 'down') idp.up = false;
            else if (step.kind === 'up') idp.up = true;
            else if (step.kind === 'restart') {
              if (reference.stats.lastError === undefined) {
                fleet = coldInstance();
                restarts++;
              }
            } else if (step.kind === 'request') {
              const pool =
                step.pick === 'current'
                  ? idp.published
                  : step.pick === 'retired'
                    ? idp.retired
                    : [`x${step.index}`];
              const kid = pool.length > 0 ? pool[step.index % pool.length]! : 'none';
              const expected = await answer(reference, kid);
              expect(await answer(shared, kid), `shared, ${kid} at +${t - 1_750_000_000_000} ms`).toBe(
                expected,
              );
              expect(await answer(fleet, kid), `fleet after ${restarts} restarts, ${kid}`).toBe(expected);
              expect(idp.fetches.get('shared') ?? 0).toBe(idp.fetches.get('reference') ?? 0);
              expect(idp.fetches.get('fleet') ?? 0, 'fetches by the fleet').toBe(
                idp.fetches.get('reference') ?? 0,
              );
            }
          }
        },
      ),
      { numRuns: Number(process.env.TOKENGATE_DIFF_RUNS ?? 150), seed: seedFromEnv() },
    );
  });
});

describe('keyCache: instances side by side', () => {
  it('accept a key only from a set published when fetched, for no longer than the rules allow', async () => {
    await fc.assert(
      fc.asyncProperty(
        timingsArb,
        fc.array(fc.tuple(stepArb, fc.nat(2)), { minLength: 5, maxLength: 80 }),
        async (timings, steps) => {
          let t = 1_750_000_000_000;
          const now = () => t;
          const idp = new Provider(now);
          const keyCache = createMemoryKeyCache({ now });
          const options = {
            cacheMaxAge: `${timings.cacheMaxAge}ms`,
            cooldownDuration: `${timings.cooldownDuration}ms`,
            staleIfError: `${timings.staleIfError}ms`,
            now,
            timeoutDuration: '1s',
          };
          const start = () => createRemoteJwks(URL_, { ...options, fetch: idp.fetchFor('fleet'), keyCache });
          const fleet = [start(), start(), start()];
          for (const [step, which] of steps) {
            if (step.kind === 'advance') t += step.ms;
            else if (step.kind === 'rotate') idp.published.push(`k${idp.next++}`);
            else if (step.kind === 'withdraw' && idp.published.length > 1)
              idp.retired.push(idp.published.shift()!);
            else if (step.kind === 'down') idp.up = false;
            else if (step.kind === 'up') idp.up = true;
            else if (step.kind === 'restart') fleet[which] = start();
            else if (step.kind === 'request') {
              const pool =
                step.pick === 'current'
                  ? idp.published
                  : step.pick === 'retired'
                    ? idp.retired
                    : [`x${step.index}`];
              const kid = pool.length > 0 ? pool[step.index % pool.length]! : 'none';
              const set = await fleet[which]!.getKeys(kid).catch((error: unknown) => {
                if (isAuthError(error)) return undefined;
                throw error;
              });
              if (!set?.keys.some((k) => k.kid === kid)) continue;
              const where = `${kid} on instance ${which} at +${t - 1_750_000_000_000} ms`;
              expect(idp.answered.get(set.fetchedAt)?.has(kid), `${where}: published when fetched`).toBe(
                true,
              );
              const age = t - set.fetchedAt;
              expect(age, `${where}: age`).toBeLessThan(
                timings.cacheMaxAge + (set.stale ? timings.staleIfError : 0),
              );
              expect(set.stale, `${where}: stale flag`).toBe(age >= timings.cacheMaxAge);
            }
          }
        },
      ),
      { numRuns: Number(process.env.TOKENGATE_DIFF_RUNS ?? 150), seed: seedFromEnv() },
    );
  });
});

function seedFromEnv(): number | undefined {
  const seed = process.env.TOKENGATE_DIFF_SEED;
  return seed === undefined ? undefined : Number(seed);
}
