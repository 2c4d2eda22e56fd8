const warned = new WeakSet<Function>();

/**
 * Calls an app hook so that it cannot break a request: a throwing (or rejecting) hook is
 * reported once with a console warning and otherwise ignored. Exported for integrations (such
 * as `@tokengate/redis`) that take hooks of their own.
 *
 * @example
 * ```ts
 * callHook(options.onError, { error }, 'onError');
 * ```
 */
export function callHook<E>(hook: ((event: E) => unknown) | undefined, event: E, name: string): void {
  if (hook === undefined) return;
  try {
    const result = hook(event) as unknown;
    if (result instanceof Promise) result.catch((error: unknown) => warnOnce(hook, name, error));
  } catch (error) {
    warnOnce(hook, name, error);
  }
}

function warnOnce(hook: Function, name: string, error: unknown): void {
  if (warned.has(hook)) return;
  warned.add(hook);
  console.warn(`tokengate: the ${name} hook threw and was ignored (reported once):`, error);
}
