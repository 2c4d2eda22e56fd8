/** A span of seconds in words a person reads at a glance: `45 s`, `12 min`, `3 h`, `2 d`. */
export function span(seconds: number): string {
  const s = Math.abs(seconds);
  if (s < 90) return `${Math.round(s)} s`;
  if (s < 90 * 60) return `${Math.round(s / 60)} min`;
  if (s < 48 * 3600) return `${Math.round(s / 3600)} h`;
  return `${Math.round(s / 86400)} d`;
}

/** A NumericDate (seconds since the epoch) as an ISO 8601 date, or `undefined` if out of range. */
export function isoDate(seconds: number): string | undefined {
  const date = new Date(seconds * 1000);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

/** The time claims the CLI explains. */
export type TimeClaim = 'exp' | 'nbf' | 'iat';

/** How a time claim relates to `now`, in words: "expires in 12 min", "expired 3 h ago". */
export function describeTime(claim: TimeClaim, value: number, now: number): string {
  const delta = value - now;
  const future = delta > 0;
  const amount = span(delta);
  switch (claim) {
    case 'exp':
      return future ? `expires in ${amount}` : `expired ${amount} ago`;
    case 'nbf':
      return future ? `not valid for another ${amount}` : `valid since ${amount} ago`;
    case 'iat':
      return future ? `issued ${amount} in the future` : `issued ${amount} ago`;
  }
}

/**
 * A duration flag that may be negative (`-1h`: an hour ago), in seconds. Accepts what core's
 * durations accept (`90`, `30s`, `15m`, `2h`, `7d`), with an optional sign.
 */
export function signedSeconds(value: string, toSeconds: (v: number | string) => number): number {
  const negative = value.startsWith('-');
  const magnitude = value.replace(/^[+-]/, '');
  const seconds = toSeconds(/^\d+(\.\d+)?$/.test(magnitude) ? Number(magnitude) : magnitude);
  return negative ? -seconds : seconds;
}

/**
 * A moment given on the command line, in seconds since the epoch: a NumericDate (`1300819380`),
 * an ISO 8601 date (`2011-03-22T18:43:00Z`, `2011-03-22`), or a signed duration from now
 * (`-2h`, `+15m`). Undefined when it is none of those.
 */
export function parseInstant(
  value: string,
  now: number,
  toSeconds: (v: number | string) => number,
): number | undefined {
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value);
  if (/^[+-]/.test(value)) {
    try {
      return now + signedSeconds(value, toSeconds);
    } catch {
      return undefined;
    }
  }
  if (!/^\d{4}-\d{2}-\d{2}/.test(value)) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms / 1000;
}
