/**
 * A remote key set's refresh for one listener, armed in the current request: on Cloudflare's
 * workerd a timer dies with the request that armed it (`request-scoped-io.ts`), so the one
 * shared refresh timer of a key set stops for good when the request that armed it ends. There
 * each watched connection keeps a refresh of its own, in its own request, which lives as long as
 * the connection does.
 */

/** What the loop needs from its key set. */
export interface RefreshTarget {
  /** Milliseconds until the held set is due; `undefined` when it never is. */
  delay(): number | undefined;
  /** Fetches the set when due (answers from the cache until then); a failure is the next turn's. */
  refresh(): Promise<unknown>;
  /**
   * Called after each refresh, fetched or not: tells the listeners of a set fetched since (by this
   * loop, or by a request whose own notice may have died with it).
   */
  settled(): void;
}

/** Starts the loop; `stop` ends it from any request (the timer fired later then does nothing). */
export function refreshInThisRequest(target: RefreshTarget): { stop(): void } {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  const arm = () => {
    const delay = target.delay();
    if (stopped || delay === undefined) return;
    timer = setTimeout(() => {
      // Stopped from another request, whose clearTimeout cannot reach this request's timer.
      if (stopped) return;
      const settled = () => {
        if (stopped) return;
        target.settled();
        arm();
      };
      target.refresh().then(settled, settled);
    }, delay);
  };
  arm();
  return {
    stop: () => {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
