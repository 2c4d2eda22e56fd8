/**
 * The gate for any change to the verified-token cache or the request path (issue 11): a verifier
 * with the cache on answers exactly what the same verifier with `cache: false` answers, over random
 * sequences of signing, clock changes, key rotation and withdrawal (a real JWKS server on
 * 127.0.0.1, and a `secret` function), revocations and stripping schemas. See
 * `differential/harness.ts`; the adapters run the same harness in
 * `packages/conformance/test/cache-differential.test.ts`.
 *
 * Replay a failure with the seed it prints: `TOKENGATE_DIFF_SEED=<seed> npx vitest run <this file>`.
 * TOKENGATE_DIFF_RUNS scales the number of runs.
 */

import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createVerifier } from '../../src/index.js';
import { createTestIssuer } from '../../src/testing/index.js';
import { verifyNow } from '../../src/verifier.js';
import {
  type KeyMode,
  type PairFactory,
  type RemoteIdp,
  runDifferential,
  verdictOf,
} from './differential-harness.js';

const RUNS = Number(process.env.TOKENGATE_DIFF_RUNS ?? 300);
/** TOKENGATE_DIFF_KEYS=secret|secretFn|jwksUri restricts the runs to one key source. */
const KEYS = process.env.TOKENGATE_DIFF_KEYS as KeyMode | undefined;

let remote: RemoteIdp;
beforeAll(async () => {
  // Only Date is faked (sockets and timers stay real), before any verifier exists: remote key
  // sets read the clock they were created with.
  vi.useFakeTimers({ toFake: ['Date'] });
  const idp = await createTestIssuer({ alg: 'ES256' });
  remote = { idp, server: await idp.listen() };
});
afterAll(async () => {
  await remote?.server.close();
  vi.useRealTimers();
});

const core: PairFactory = async (optionsFor) => {
  const cached = createVerifier(optionsFor('cached'));
  const uncached = createVerifier({ ...optionsFor('uncached'), cache: false });
  // The fast lane adapters take (`verifyNow`: a cached context without a promise) on a verifier
  // of its own, against `cache: false` too.
  const lane = createVerifier(optionsFor('lane'));
  const laneUncached = createVerifier({ ...optionsFor('lane-uncached'), cache: false });
  return [
    {
      name: 'core',
      cached: (token, mutate) => verdictOf(() => cached.verify(token), mutate),
      uncached: (token, mutate) => verdictOf(() => uncached.verify(token), mutate),
    },
    {
      name: 'core verifyNow',
      cached: (token, mutate) => verdictOf(() => Promise.resolve(verifyNow(lane, token)), mutate),
      uncached: (token, mutate) => verdictOf(() => laneUncached.verify(token), mutate),
    },
  ];
};

describe('verified-token cache: differential against cache: false', () => {
  it('gives the uncached answer at every step (core verifier)', { timeout: 120_000 }, async () => {
    const t0 = performance.now();
    const steps = await runDifferential({
      remote,
      factory: core,
      runs: RUNS,
      maxCommands: 150,
      label: 'core',
      ...(KEYS ? { keys: fc.constant(KEYS) } : {}),
    });
    console.log(`core: ${steps} verification steps in ${Math.round(performance.now() - t0)} ms`);
    expect(steps).toBeGreaterThan(RUNS * 10);
  });
});
