/**
 * Watching a connection where I/O belongs to the request that made it: Cloudflare's workerd.
 * There a WebSocket can only be closed by code running for the request that accepted it ("Cannot
 * perform I/O on behalf of a different request"), and a timer dies with the request that armed
 * it. The process-wide deadline heap would arm its one timer in some request's context: that
 * timer would die when that request's socket closed (leaving every other socket open past its
 * `exp`), and when it fired it could not close another request's socket. So on such a runtime a
 * watch arms its own timer, in its own request, and every end (its timer, a revocation or a key
 * change noticed by another request) reaches `onEnd` through a promise made in its own request:
 * workerd runs a promise's continuations in the request that created it.
 */

/** Longest delay `setTimeout` accepts (about 24.8 days); a later deadline re-arms on the way. */
const MAX_DELAY = 2 ** 31 - 1;

/**
 * The end of one watch, bound to the request that started it: its own expiry timer, and a
 * delivery that runs there whichever request ends the watch.
 */
export class RequestBoundEnd<R> {
  #timer: ReturnType<typeof setTimeout> | undefined;
  #cancelled = false;
  readonly #deliver: (reason: R) => void;

  /** Call in the watch's own request: `run` is called there, once, with the first reason delivered. */
  constructor(run: (reason: R) => void) {
    let resolve!: (reason: R) => void;
    void new Promise<R>((done) => {
      resolve = done;
    }).then((reason) => {
      this.disarm();
      if (!this.#cancelled) run(reason);
    });
    this.#deliver = resolve;
  }

  /** Arms this watch's timer (in the current request) to call `fire` at `deadline` (ms since the epoch). */
  arm(deadline: number, fire: () => void): void {
    const delay = deadline - Date.now();
    this.#timer = setTimeout(
      () => {
        this.#timer = undefined;
        if (Date.now() >= deadline) fire();
        else this.arm(deadline, fire);
      },
      Math.min(MAX_DELAY, Math.max(0, delay)),
    );
  }

  /**
   * Clears the timer. From another request this does nothing on workerd (its timers are its
   * own); the timer then fires into a watch that has ended, which ignores it.
   */
  disarm(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** Ends the watch from any request: `run` follows in the watch's own request. */
  deliver(reason: R): void {
    this.#deliver(reason);
  }

  /** The caller stopped watching: a delivery already on its way is dropped. */
  cancel(): void {
    this.#cancelled = true;
    this.disarm();
  }
}
