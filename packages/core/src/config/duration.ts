/**
 * A length of time: a string with its unit (`'500ms'`, `'30s'`, `'15m'`, `'2h'`, `'7d'`, `'1w'`),
 * or a bare number of seconds. One rule for every duration option; the remote-key timings
 * (`timeoutDuration`, `cooldownDuration`, `cacheMaxAge`, `staleIfError`) counted milliseconds
 * until tokengate 0.1 and therefore refuse a bare number other than `0` (and `Infinity` for
 * `cacheMaxAge`): the start-up `TypeError` names the string to write.
 */
export type Duration = number | string;

const UNITS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400, w: 604800 };
const PATTERN = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)?$/;

/** The seconds of a well-formed duration (a non-negative finite number or a string), else undefined. */
function parseSeconds(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const match = PATTERN.exec(value.trim());
  return match ? Number(match[1]) * UNITS[match[2] ?? 's']! : undefined;
}

/**
 * Converts a {@link Duration} to seconds. Throws a `TypeError` naming `option` for anything
 * else (negative, NaN, unknown unit), so configuration mistakes fail at start-up.
 *
 * @example
 * ```ts
 * toSeconds('15m', 'maxTokenAge'); // 900
 * toSeconds(30, 'clockTolerance'); // 30
 * ```
 */
export function toSeconds(value: Duration, option: string): number {
  return validateSeconds(value, `option "${option}"`);
}

/**
 * {@link toSeconds} for the option tables: `label` is the whole subject of the message
 * (`option "clockTolerance" (issuers[0])`).
 */
export function validateSeconds(value: unknown, label: string): number {
  const seconds = parseSeconds(value);
  if (seconds !== undefined) return seconds;
  throw new TypeError(
    `tokengate: ${label} must be a non-negative number of seconds or a duration such as '30s', '15m', '2h'`,
  );
}

/** {@link validateSeconds}, at least 1 s: a proof window or nonce period of 0 s would refuse every proof. */
export function validateAtLeastOneSecond(value: unknown, label: string): number {
  const seconds = validateSeconds(value, label);
  if (seconds < 1) throw new TypeError(`tokengate: ${label} must be at least 1 second`);
  return seconds;
}

/** What a millisecond option accepts besides any positive finite duration. */
export interface MillisecondsRule {
  /** `0` is allowed (for `staleIfError`: fail closed at once). */
  readonly zero?: boolean;
  /** `Infinity` is allowed (for `cacheMaxAge`: keep the keys until an unknown `kid`). */
  readonly infinite?: boolean;
}

/** A number of milliseconds as the shortest exact duration string: 600000 → `'10m'`. */
function spell(ms: number): string {
  for (const [unit, seconds] of [
    ['d', 86400],
    ['h', 3600],
    ['m', 60],
    ['s', 1],
  ] as const) {
    if (ms % (seconds * 1000) === 0) return `${ms / (seconds * 1000)}${unit}`;
  }
  return `${ms}ms`;
}

/**
 * Reads a duration option that counted milliseconds until tokengate 0.1 (core's remote-key
 * timings `timeoutDuration`, `cooldownDuration`, `cacheMaxAge`, `staleIfError`; the Redis
 * stores' `connectTimeout`, `commandTimeout`, `sweepInterval`, `heartbeatInterval`), in
 * milliseconds. A string carries its unit; the number `0` and `Infinity` need none (where `rule`
 * allows them). Any other bare number is a `TypeError` naming the fix: every other duration
 * counts seconds, so `cacheMaxAge: 600000` could mean ten minutes or a week (it says to write
 * `'10m'`).
 *
 * @throws TypeError naming `option`.
 * @example
 * ```ts
 * toMilliseconds('10m', 'cacheMaxAge'); // 600000
 * toMilliseconds(600000, 'cacheMaxAge'); // throws: write '10m'
 * ```
 */
export function toMilliseconds(value: unknown, option: string, rule: MillisecondsRule = {}): number {
  if (value === Number.POSITIVE_INFINITY && rule.infinite) return value;
  if (typeof value === 'number' && value > 0 && Number.isFinite(value)) {
    throw new TypeError(
      `tokengate: option "${option}" needs a unit: write '${spell(value)}' for ${value} ms (a bare number is ambiguous here: this option counted milliseconds until tokengate 0.1, every other duration counts seconds)`,
    );
  }
  const seconds = parseSeconds(value);
  const ms = seconds === undefined ? undefined : Math.round(seconds * 1000);
  if (ms === undefined || (ms === 0 && !rule.zero)) {
    const least = rule.zero ? 'a' : 'a positive';
    throw new TypeError(
      `tokengate: option "${option}" must be ${least} duration such as '30s' or '10m'${rule.infinite ? ', or Infinity' : ''} (got ${typeof value === 'string' ? JSON.stringify(value) : String(value)})`,
    );
  }
  return ms;
}

/**
 * The remote-key timings, as `RemoteJwksOptions` and the top-level options name them: each
 * one's default in milliseconds and what it accepts besides a positive duration.
 */
export const REMOTE_TIMINGS: Readonly<
  Record<
    'timeoutDuration' | 'cooldownDuration' | 'cacheMaxAge' | 'staleIfError',
    MillisecondsRule & { readonly default: number }
  >
> = {
  timeoutDuration: { default: 5_000 },
  cooldownDuration: { default: 30_000 },
  cacheMaxAge: { default: 600_000, infinite: true },
  staleIfError: { default: 86_400_000, zero: true },
};
