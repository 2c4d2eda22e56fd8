import { type Duration, toSeconds as durationToSeconds } from '../config/duration.js';

/**
 * Reads a test duration as whole seconds: core's {@link durationToSeconds} (a number of seconds
 * or `'30s'`, `'15m'`, `'2h'`…), plus negative numbers, which tests use for times in the past.
 *
 * @throws TypeError naming `label`.
 */
export function toSeconds(value: Duration, label: string): number {
  if (typeof value === 'number' && value < 0 && Number.isFinite(value)) return Math.trunc(value);
  return Math.trunc(durationToSeconds(value, label));
}
