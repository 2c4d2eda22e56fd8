/**
 * Whether the runtime scopes I/O to requests, as Cloudflare's workerd does: a timer dies with the
 * request that armed it, and a socket or a fetch made by one request cannot be touched by another
 * ("Cannot perform I/O on behalf of a different request"). Then what lives across requests (a
 * refresh of a remote key set, a watched connection's expiry) is armed per request
 * (`remote-jwks.ts`, `connections/request-scoped.ts`) instead of once for the process.
 *
 * `navigator.userAgent` is `'Cloudflare-Workers'` on workerd (Cloudflare's documented test;
 * Miniflare and `wrangler dev` run workerd too). Asked each time, so a test can stand in for
 * workerd by stubbing `navigator`.
 */
export function requestScopedIo(): boolean {
  return (
    (globalThis as { navigator?: { userAgent?: unknown } }).navigator?.userAgent === 'Cloudflare-Workers'
  );
}
