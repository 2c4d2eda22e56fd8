/** A length of time: a number of seconds, or a string such as `'30s'`, `'15m'`, `'2h'`, `'7d'`. */
export type Duration = number | string;

const UNITS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400, w: 604800 };
const PATTERN = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)?$/;

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
  if (typeof value === 'number') {
    if (Number.isFinite(value) && value >= 0) return value;
  } else if (typeof value === 'string') {
    const match = PATTERN.exec(value.trim());
    if (match) return Number(match[1]) * UNITS[match[2] ?? 's']!;
  }
  throw new TypeError(
    `tokengate: option "${option}" must be a non-negative number of seconds or a duration such as '30s', '15m', '2h'`,
  );
}
