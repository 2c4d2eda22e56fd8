/**
 * Bounds one Redis call. node-redis's own `timeout` command option only covers the wait before a
 * command is written, not the wait for its reply (a frozen server), so the stores keep time.
 */
export function bounded<T>(call: Promise<T>, what: string, timeoutMs: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`Redis did not answer ${what} within ${timeoutMs} ms`)),
      timeoutMs,
    );
  });
  call.catch(() => {}); // a late failure after the timeout is not an unhandled rejection
  return Promise.race([call, timeout]).finally(() => clearTimeout(timer));
}
