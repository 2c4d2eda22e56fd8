import { createRemoteJwks, createVerifier, type TokengateOptions } from '@tokengate/core';
import { describe, expect, it } from 'vitest';
import { resolveTokengateOptions } from '../../src/config/declarations.js';
import { REMOTE_TIMINGS, toMilliseconds } from '../../src/config/duration.js';
import { resolveRemoteOptions } from '../../src/keys/remote/options.js';
import { resolveDpop } from '../../src/oauth/dpop/options.js';

const secret = 's'.repeat(32);
const jwksUri = 'https://idp.example.com/jwks';

function startupError(options: unknown): TypeError {
  try {
    createVerifier(options as TokengateOptions);
  } catch (error) {
    expect(error).toBeInstanceOf(TypeError);
    return error as TypeError;
  }
  throw new Error('expected a start-up error');
}

/** Each duration option: how to set it, and where its resolved value (seconds) is read. */
const SECONDS: [string, (value: unknown) => number | undefined][] = [
  ['clockTolerance', (v) => resolveTokengateOptions({ secret, clockTolerance: v as never }).clockTolerance],
  ['maxTokenAge', (v) => resolveTokengateOptions({ secret, maxTokenAge: v as never }).maxTokenAge],
  [
    'maxTokenLifetime',
    (v) => resolveTokengateOptions({ secret, maxTokenLifetime: v as never }).maxTokenLifetime,
  ],
  [
    'cache.maxAge',
    (v) => {
      const cache = resolveTokengateOptions({ secret, cache: { maxAge: v as never } }).cache;
      return cache === false ? undefined : cache.maxAge;
    },
  ],
  ['dpop.maxAge', (v) => resolveDpop({ maxAge: v })?.maxAge],
  ['dpop.clockTolerance', (v) => resolveDpop({ clockTolerance: v })?.clockTolerance],
];

describe('durations: one rule for every option', () => {
  describe.each(SECONDS)('%s (seconds)', (_name, resolve) => {
    it('takes a string with its unit', () => {
      expect(resolve('90s')).toBe(90);
      expect(resolve('2m')).toBe(120);
      expect(resolve('1h')).toBe(3600);
      expect(resolve('1500ms')).toBe(1.5);
    });
    it('takes a bare number as seconds', () => {
      expect(resolve(42)).toBe(42);
    });
    it('refuses a malformed duration at start-up, naming the option', () => {
      for (const bad of ['5 minutes', '-1s', -1, Number.NaN, true]) {
        expect(() => resolve(bad)).toThrow(TypeError);
        expect(() => resolve(bad)).toThrow(`"${_name}"`);
      }
    });
  });

  describe.each(
    Object.entries(REMOTE_TIMINGS) as [
      keyof typeof REMOTE_TIMINGS,
      (typeof REMOTE_TIMINGS)[keyof typeof REMOTE_TIMINGS],
    ][],
  )('%s (a remote-key timing, milliseconds until 0.1)', (name, rule) => {
    it('takes a string with its unit, at start-up and in createRemoteJwks', () => {
      expect(resolveRemoteOptions({ [name]: '90s' })[name]).toBe(90_000);
      expect(resolveRemoteOptions({ [name]: '250ms' })[name]).toBe(250);
      expect(resolveRemoteOptions({ [name]: '2m' })[name]).toBe(120_000);
      expect(() => createVerifier({ jwksUri, [name]: '1m' })).not.toThrow();
    });

    it('defaults to what it did before', () => {
      expect(resolveRemoteOptions({})[name]).toBe(rule.default);
    });

    it('refuses a bare number at start-up, with the string to write', () => {
      // As the option counted milliseconds, the message says which string means what it meant.
      for (const [bare, fix] of [
        [5000, "'5s'"],
        [600_000, "'10m'"],
        [86_400_000, "'1d'"],
        [1500, "'1500ms'"],
      ] as const) {
        for (const attempt of [
          () => createVerifier({ secret, [name]: bare }),
          () => createVerifier({ jwksUri, [name]: bare }),
          () => createRemoteJwks(jwksUri, { [name]: bare }),
        ]) {
          expect(attempt).toThrow(TypeError);
          expect(attempt).toThrow(`"${name}" needs a unit: write ${fix} for ${bare} ms`);
        }
      }
    });

    it('refuses a malformed duration, naming the option', () => {
      for (const bad of ['5 minutes', '-1s', -1, Number.NaN, true, {}]) {
        expect(startupError({ jwksUri, [name]: bad }).message).toMatch(
          new RegExp(`^tokengate: option "${name}"`),
        );
      }
    });

    it(`${rule.zero ? 'accepts' : 'refuses'} 0 and ${rule.infinite ? 'accepts' : 'refuses'} Infinity (no unit needed)`, () => {
      for (const [value, ok] of [
        [0, rule.zero === true],
        ['0s', rule.zero === true],
        [Number.POSITIVE_INFINITY, rule.infinite === true],
      ] as const) {
        if (ok) expect(resolveRemoteOptions({ [name]: value })[name]).toBe(value === '0s' ? 0 : value);
        else expect(() => createVerifier({ jwksUri, [name]: value })).toThrow(`"${name}"`);
      }
    });
  });

  it('dpop.nonce.lifetime takes a string, a bare number of seconds, and at least 1 s', () => {
    const dpop = (lifetime: unknown) => () =>
      createVerifier({ secret, dpop: { nonce: { lifetime } } as never });
    expect(dpop('10m')).not.toThrow();
    expect(dpop(600)).not.toThrow();
    expect(dpop('500ms')).toThrow(/"dpop.nonce.lifetime" must be at least 1 second/);
    expect(dpop('soon')).toThrow(/"dpop.nonce.lifetime"/);
  });

  it('toMilliseconds spells the shortest exact unit', () => {
    expect(() => toMilliseconds(3_600_000, 'x')).toThrow("write '1h'");
    expect(() => toMilliseconds(90_000, 'x')).toThrow("write '90s'");
  });

  it('the two caches side by side now read the same way', () => {
    const resolved = resolveTokengateOptions({ jwksUri, cache: { maxAge: '10m' }, cacheMaxAge: '10m' });
    expect(resolved.cache === false ? undefined : resolved.cache.maxAge).toBe(600);
    expect(resolveRemoteOptions({ cacheMaxAge: resolved.cacheMaxAge })).toMatchObject({
      cacheMaxAge: 600_000,
    });
  });
});
