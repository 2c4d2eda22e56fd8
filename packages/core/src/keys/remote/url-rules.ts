/**
 * Which URLs keys may be fetched from: https, or http on a loopback host for local development,
 * never with a user name or password in them.
 */

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** Whether a URL's host is a loopback name or address (`127.0.0.1`, `localhost`, `[::1]`). */
export function isLoopback(url: URL): boolean {
  return LOOPBACK.has(url.hostname);
}

/**
 * Parses a key-source URL and requires `https:`, except for loopback hosts (`127.0.0.1`,
 * `localhost`, `[::1]`) where `http:` is allowed for local development and tests — unless
 * `allowLoopbackHttp` is `false` (for URLs that the operator did not write, such as a `jwks_uri`
 * found in an https issuer's discovery document).
 *
 * @example
 * ```ts
 * validateKeySourceUrl('https://idp.example.com/jwks', 'jwksUri'); // URL
 * validateKeySourceUrl('http://idp.example.com/jwks', 'jwksUri');  // throws TypeError
 * ```
 * @throws TypeError naming `label` for an invalid or insecure URL.
 */
export function validateKeySourceUrl(value: string | URL, label: string, allowLoopbackHttp = true): URL {
  let url: URL;
  try {
    url = new URL(String(value));
  } catch {
    throw new TypeError(
      `tokengate: option "${label}" must be an absolute URL (got ${JSON.stringify(String(value))})`,
    );
  }
  if (url.username !== '' || url.password !== '') {
    // fetch() refuses such URLs, and the password would end up in every error message.
    throw new TypeError(
      `tokengate: option "${label}" must not contain a user name or password; use the "fetch" option to send credentials`,
    );
  }
  if (url.protocol !== 'https:' && !(allowLoopbackHttp && url.protocol === 'http:' && isLoopback(url))) {
    throw new TypeError(
      allowLoopbackHttp
        ? `tokengate: option "${label}" must use https (http is allowed only for loopback hosts), got ${url.href}`
        : `tokengate: option "${label}" must use https, got ${url.href}`,
    );
  }
  return url;
}
