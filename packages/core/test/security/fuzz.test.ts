/**
 * Property-based fuzzing: random and mutated tokens, headers and claims through the core verifier
 * (both crypto backends) and through Express. The answer is 2xx for the valid control and
 * 400/401/403/503 otherwise: never a 500, never an unhandled rejection, always within a bound.
 *
 * Runs are small for CI; set TOKENGATE_FUZZ_RUNS (e.g. 5000) for a longer local run.
 */
import express from 'express';
import fc from 'fast-check';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authErrorHandler, type ExpressAuthOptions, jwtAuth } from '../../../express/src/index.js';
import {
  authenticate,
  createVerifier,
  isAuthError,
  type TokengateOptions,
  type Verifier,
} from '../../src/index.js';
import { summarizeAuth } from './attacks.js';
import { requestFromLines } from './drivers.js';
import { type AttackKit, b64u, createAttackKits } from './kit.js';

const RUNS = Number(process.env.TOKENGATE_FUZZ_RUNS ?? 150);
const HTTP_RUNS = Math.max(20, Math.floor(RUNS / 3));
/** Longest any single verification may take: catches hangs and catastrophic backtracking. */
const HANG_MS = 2000;
/**
 * Bound on the median verification time of a property run: the cost of the work itself (typical
 * is well under 1 ms), robust against the scheduling stalls of a loaded CI machine.
 */
const MEDIAN_MS = 10;
const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1] ?? 0;
const REFUSALS = new Set([400, 401, 403, 503]);

const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);
let kits: Record<'HS256' | 'ES256' | 'RS256' | 'EdDSA', AttackKit>;

beforeAll(() => {
  process.on('unhandledRejection', onUnhandled);
  kits = createAttackKits('http://127.0.0.1:9');
});
afterAll(() => {
  process.off('unhandledRejection', onUnhandled);
});

/** Characters a mutation may use: the alphabet, separators, padding, whitespace, Latin-1, any code unit. */
const mutationChar = fc.oneof(
  fc.constantFrom(...'AQgw09azZ-_.=+/ \t%"\\{}', '\u00e9', '\u00a0', '\u00ff'),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
);
/** Characters Node's HTTP client lets into a header value. */
const headerChar = fc.oneof(
  fc.constantFrom(...'AQgw09azZ-_.=+/ \t%"\\{},;', '\u00e9', '\u00a0', '\u00ff'),
  fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
);

type Mutation = { op: 'flip' | 'insert' | 'delete'; at: number; ch: string };
const mutations = (ch: fc.Arbitrary<string>) =>
  fc.array(fc.record({ op: fc.constantFrom<Mutation['op']>('flip', 'insert', 'delete'), at: fc.nat(), ch }), {
    minLength: 1,
    maxLength: 4,
  });

function mutate(token: string, steps: readonly Mutation[]): string {
  let out = token;
  for (const { op, at, ch } of steps) {
    const i = out.length === 0 ? 0 : at % out.length;
    if (op === 'flip') out = out.slice(0, i) + ch + out.slice(i + 1);
    else if (op === 'insert') out = out.slice(0, i) + ch + out.slice(i);
    else out = out.slice(0, i) + out.slice(i + 1);
  }
  return out;
}

/** Verifies and classifies: 200 accepted, an AuthError's status, or 500 for anything else. */
async function verifyStatus(verifier: Verifier<any>, token: string): Promise<{ status: number; ms: number }> {
  const started = performance.now();
  try {
    await verifier.verify(token);
    return { status: 200, ms: performance.now() - started };
  } catch (error) {
    return { status: isAuthError(error) ? error.status : 500, ms: performance.now() - started };
  }
}

const segment = fc.oneof(
  fc.string({ unit: 'binary-ascii', maxLength: 80 }),
  fc.uint8Array({ maxLength: 60 }).map(b64u),
  fc.jsonValue({ maxDepth: 3 }).map((v) => b64u(JSON.stringify(v) ?? 'null')),
);

for (const crypto of ['node', 'webcrypto'] as const) {
  describe(`fuzzing the core verifier (${crypto})`, () => {
    for (const mode of ['HS256', 'ES256'] as const) {
      let verifier: Verifier<any>;
      let valid: string;
      beforeAll(async () => {
        verifier = createVerifier({ ...kits[mode].options, crypto, cache: false });
        await verifier.ready();
        valid = kits[mode].token();
      });

      it(`${mode}: the valid control is accepted`, async () => {
        expect((await verifyStatus(verifier, valid)).status).toBe(200);
      });

      const times: number[] = [];

      it(`${mode}: every mutation of a valid token is refused with 401 (the original is accepted)`, async () => {
        await fc.assert(
          fc.asyncProperty(mutations(mutationChar), async (steps) => {
            const token = mutate(valid, steps);
            const { status, ms } = await verifyStatus(verifier, token);
            expect(ms).toBeLessThan(HANG_MS);
            times.push(ms);
            expect(status).toBe(token === valid ? 200 : 401);
          }),
          { numRuns: RUNS },
        );
      });

      it(`${mode}: random segments are refused with 401`, async () => {
        await fc.assert(
          fc.asyncProperty(fc.array(segment, { minLength: 0, maxLength: 6 }), async (segments) => {
            const { status, ms } = await verifyStatus(verifier, segments.join('.'));
            expect(ms).toBeLessThan(HANG_MS);
            times.push(ms);
            expect(status).toBe(401);
          }),
          { numRuns: RUNS },
        );
      });

      it(`${mode}: legitimately signed random headers and claims are accepted or refused, never crash`, async () => {
        const kit = kits[mode];
        await fc.assert(
          fc.asyncProperty(
            fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }),
            fc.dictionary(
              fc.oneof(
                fc.constantFrom('exp', 'nbf', 'iat', 'iss', 'aud', 'sub', 'jti', 'typ', 'kid', 'crit', 'b64'),
                fc.string({ maxLength: 8 }),
              ),
              fc.jsonValue({ maxDepth: 2 }),
              { maxKeys: 4 },
            ),
            fc.boolean(),
            async (extra, fields, inHeader) => {
              const token = inHeader
                ? kit.token({ header: { ...extra, ...fields, alg: kit.alg }, signAlg: kit.alg })
                : kit.token({ claims: { ...extra, ...fields } });
              const { status, ms } = await verifyStatus(verifier, token);
              expect(ms).toBeLessThan(HANG_MS);
              times.push(ms);
              expect([200, 401]).toContain(status);
            },
          ),
          { numRuns: RUNS },
        );
      });

      it(`${mode}: random Authorization headers through authenticate() give 200, 400 or 401`, async () => {
        await fc.assert(
          fc.asyncProperty(
            fc.constantFrom('Bearer ', 'bearer ', 'Bearer  ', 'Basic ', '', 'Bearer', 'Bearer\t'),
            mutations(headerChar),
            fc.boolean(),
            async (prefix, steps, mutateIt) => {
              const value = prefix + (mutateIt ? mutate(valid, steps) : valid);
              const started = performance.now();
              let status: number;
              try {
                const outcome = await authenticate(verifier, requestFromLines([['Authorization', value]]));
                status = outcome.auth ? 200 : 204;
              } catch (error) {
                status = isAuthError(error) ? error.status : 500;
              }
              const ms = performance.now() - started;
              expect(ms).toBeLessThan(HANG_MS);
              times.push(ms);
              if (status === 200) expect(value.slice(value.indexOf(' ')).trim()).toBe(valid);
              else expect(REFUSALS).toContain(status);
            },
          ),
          { numRuns: RUNS },
        );
      });

      it(`${mode}: the median verification above took under ${MEDIAN_MS} ms`, () => {
        expect(times.length).toBeGreaterThan(0);
        expect(median(times)).toBeLessThan(MEDIAN_MS);
      });
    }
  });
}

describe('fuzzing through Express', () => {
  let app: express.Express;
  let valid: string;
  beforeAll(() => {
    const kit = kits.RS256;
    valid = kit.token();
    app = express();
    app.get(
      '/protected',
      jwtAuth({ ...kit.options, cache: false } as TokengateOptions as ExpressAuthOptions),
      (req, res) => {
        res.json(summarizeAuth(req.auth!));
      },
    );
    app.use(authErrorHandler());
  });

  const send = async (authorization: string) => {
    const started = performance.now();
    const response = await request(app).get('/protected').set('Authorization', authorization);
    return { status: response.status, ms: performance.now() - started, body: response.body };
  };

  it('the valid control is accepted', async () => {
    const { status, body } = await send(`Bearer ${valid}`);
    expect(status).toBe(200);
    expect(body.subject).toBe('alice');
  });

  it('mutated tokens: 200 only for the original, otherwise 400/401, never 500', async () => {
    await fc.assert(
      fc.asyncProperty(mutations(headerChar), async (steps) => {
        const token = mutate(valid, steps);
        const { status, ms } = await send(`Bearer ${token}`);
        expect(ms).toBeLessThan(HANG_MS);
        if (token.replace(/^[ \t]+|[ \t]+$/g, '') === valid) expect(status).toBe(200);
        else expect([400, 401]).toContain(status);
      }),
      { numRuns: HTTP_RUNS },
    );
  });

  it('random Authorization values: 400/401, never 500', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(headerChar, { maxLength: 120 }).map((c) => c.join('')),
        async (value) => {
          const { status } = await send(value);
          expect([400, 401]).toContain(status);
        },
      ),
      { numRuns: HTTP_RUNS },
    );
  });
});

describe('process health', () => {
  it('no unhandled rejection happened while fuzzing', async () => {
    await new Promise((resolve) => setImmediate(resolve));
    expect(unhandled).toEqual([]);
  });
});
