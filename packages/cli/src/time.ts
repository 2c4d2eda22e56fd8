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
