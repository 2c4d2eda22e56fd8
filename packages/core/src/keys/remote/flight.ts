/**
 * Waiting for a remote fetch in flight without waiting forever: the deadline of each flight, and
 * the grace after it.
 */

/** A fetch in flight: settles when the fetch has (it never rejects), due by `deadline` (`Date.now()`). */
export interface Flight {
  readonly done: Promise<void>;
  readonly deadline: number;
}

/**
 * How long past a fetch's deadline its waiters keep waiting before they conclude the runtime
 * cancelled it (the fetch's own timeout fires at the deadline and settles it on every runtime
 * that does not).
 */
const ABANDON_GRACE_MS = 100;

/**
 * Waits for the fetch in flight, but not past its deadline. Every fetch settles by then on its
 * own (`fetchJson` races a timer), except where the runtime cancels it: on Cloudflare Workers a
 * fetch is I/O of the request that started it, and it never settles once that request has
 * ended (a `hono/timeout`, a client that went away). The other requests waiting for it then
 * stop waiting at the deadline (and answer with what is held, or 503), and the caller forgets
 * the fetch, so the next request starts a new one instead of joining a fetch that never ends.
 * @returns whether the fetch was given up.
 */
export async function waitForFlight(flight: Flight): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<true>((resolve) => {
    timer = setTimeout(() => resolve(true), Math.max(0, flight.deadline - Date.now()) + ABANDON_GRACE_MS);
  });
  try {
    return await Promise.race([flight.done.then(() => false), expired]);
  } finally {
    clearTimeout(timer);
  }
}
