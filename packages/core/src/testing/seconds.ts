const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };
const DURATION = /^(\d+)\s*(s|m|h|d)$/;

/**
 * Reads a test duration: a number of seconds, or a string such as `'30s'`, `'15m'`, `'2h'`, `'1d'`.
 * Negative numbers are allowed (they are useful for tokens that expired a while ago).
 *
 * @throws TypeError naming `label` when the value is neither.
 */
export function toSeconds(value: number | string, label: string): number {
  if (typeof value === 'number') {
    if (Number.isFinite(value)) return Math.trunc(value);
  } else {
    const match = DURATION.exec(value.trim());
    if (match) return Number(match[1]) * UNIT_SECONDS[match[2]!]!;
  }
  throw new TypeError(`${label} must be a number of seconds or a duration like '15m' (got ${String(value)})`);
}
