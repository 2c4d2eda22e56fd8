/**
 * The introspection cache's gate (`src/oauth/introspection/cache.ts`): for random sequences of
 * requests, clock moves and revocations, a verifier with the cache answers exactly what the same
 * verifier with `cacheMaxAge: 0` (a round trip per request) answers at that moment — same
 * status, code, reason and context — against the same real HTTP endpoint.
 */

import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  type AuthContext,
  createMemoryRevocationStore,
  createVerifier,
  isAuthError,
  type TokengateOptions,
} from '../../../src/index.js';
import { type FakeIntrospection, startFakeIntrospection } from './fake-server.js';

const AUDIENCE = 'https://api.example.test/';
let as: FakeIntrospection;
beforeAll(async () => {
  as = await startFakeIntrospection();
});
afterAll(() => as.close());

/** A small seeded PRNG (mulberry32), so a failure can be replayed from its seed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function outcome(promise: Promise<AuthContext>): Promise<unknown> {
  try {
    const auth = await promise;
    return {
      tokenType: auth.tokenType,
      subject: auth.subject,
      scopes: [...auth.scopes],
      payload: auth.payload,
      binding: auth.binding,
    };
  } catch (error) {
    if (!isAuthError(error)) throw error;
    return { status: error.status, code: error.code, reason: error.reason };
  }
}

describe('introspection cache: cached = uncached', () => {
  it.each([1, 2, 3, 4, 5])('for a random sequence (seed %i)', async (seed) => {
    const next = random(seed);
    const start = 1_900_000_000_000;
    let clock = start;
    const spy = vi.spyOn(Date, 'now').mockImplementation(() => clock);
    try {
      const t0 = start / 1000;
      const tokens: string[] = [];
      as.answers.clear();
      for (let i = 0; i < 12; i++) {
        const token = `opaque-${seed}-${i}`;
        tokens.push(token);
        const kind = i % 6;
        if (kind === 5) continue; // unknown: active false
        as.answers.set(token, {
          active: true,
          sub: `user-${i % 3}`,
          jti: `jti-${seed}-${i}`,
          scope: i % 2 ? 'a b' : 'a',
          aud: kind === 4 ? 'https://other.test/' : AUDIENCE,
          iat: t0 - 10,
          exp: t0 + Math.floor(next() * 240),
          ...(kind === 3 ? { token_type: 'refresh_token' } : {}),
        });
      }
      const revocation = createMemoryRevocationStore();
      const options = (cacheMaxAge: string | number): TokengateOptions =>
        ({
          audience: AUDIENCE,
          revocation,
          maxTokenAge: '3m',
          introspection: { endpoint: as.url, clientId: 'api', clientSecret: 's', cacheMaxAge },
        }) as TokengateOptions;
      const cached = createVerifier(options('1m'));
      const plain = createVerifier(options(0));
      for (let step = 0; step < 120; step++) {
        const roll = next();
        if (roll < 0.25) clock += Math.floor(next() * 20_000);
        else if (roll < 0.28) await revocation.revoke(`jti-${seed}-${Math.floor(next() * 12)}`, t0 + 600);
        else if (roll < 0.3) await revocation.revokeSubject(`user-${Math.floor(next() * 3)}`, clock / 1000);
        const token = tokens[Math.floor(next() * tokens.length)]!;
        const fresh = await outcome(plain.verify(token));
        const fromCache = await outcome(cached.verify(token));
        expect({ step, token, clock: clock - start, answer: fromCache }).toEqual({
          step,
          token,
          clock: clock - start,
          answer: fresh,
        });
      }
      // The cache did save round trips (it was exercised, not bypassed).
      expect(as.received.length).toBeLessThan(240);
    } finally {
      spy.mockRestore();
      as.received.length = 0;
    }
  });
});
