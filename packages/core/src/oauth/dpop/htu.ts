import type { RequestLike } from '../../request/token-sources.js';

const UNRESERVED = /%(2[dDeE]|3[0-9]|[46][1-9a-fA-F]|[57][0-9aA]|5[fF]|7[eE])/g;
const PERCENT = /%[0-9a-f]{2}/g;

/**
 * Normalises an absolute http(s) URL for the `htu` comparison (RFC 9449 §4.3 step 9): query and
 * fragment dropped, then RFC 3986 §6.2.2 syntax-based normalisation (case of scheme and host,
 * percent-encoding case, unreserved characters decoded, dot segments) and §6.2.3 scheme-based
 * normalisation (default port, empty path as `/`). `undefined` for anything else (relative URLs,
 * other schemes, userinfo).
 *
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-4.3
 */
export function normalizeHtu(value: string): string | undefined {
  // Clients call the same few URLs: parsing each one once saves most of the comparison's cost.
  const known = normalized.get(value);
  if (known !== undefined || normalized.has(value)) return known;
  const result = parseHtu(value);
  if (normalized.size >= NORMALIZED_CACHE_SIZE) normalized.clear();
  normalized.set(value, result);
  return result;
}

const NORMALIZED_CACHE_SIZE = 1024;
const normalized = new Map<string, string | undefined>();

function parseHtu(value: string): string | undefined {
  if (value.length > 4096) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return undefined;
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.username || url.password)
    return undefined;
  const path = url.pathname
    .replace(PERCENT, (triplet) => triplet.toUpperCase())
    .replace(UNRESERVED, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
  return `${url.protocol}//${url.host}${path}`;
}

/**
 * The absolute URL of `request` as the client addressed it, for the `htu` comparison: the
 * `publicUrl` base (behind a reverse proxy) followed by the request path, or else the request's
 * own scheme and `Host`. `undefined` when it cannot be known (no `Host` header).
 */
export function requestHtu(request: RequestLike, publicUrl: URL | undefined): string | undefined {
  let target = request.url ?? '/';
  let absolute: URL | undefined;
  if (/^https?:\/\//i.test(target)) {
    try {
      absolute = new URL(target);
    } catch {
      return undefined;
    }
    target = absolute.pathname + absolute.search;
  }
  if (!target.startsWith('/')) return undefined;
  if (publicUrl) {
    const base = publicUrl.pathname.endsWith('/') ? publicUrl.pathname.slice(0, -1) : publicUrl.pathname;
    return normalizeHtu(`${publicUrl.origin}${base}${target}`);
  }
  if (absolute) return normalizeHtu(`${absolute.origin}${target}`);
  const host = request.header('host');
  if (!host || /[\s/@?#\\]/.test(host)) return undefined;
  return normalizeHtu(`${request.secure ? 'https' : 'http'}://${host}${target}`);
}

/** Validates the `dpop.publicUrl` option at start-up. */
export function validatePublicUrl(value: unknown, label: string): URL {
  let url: URL | undefined;
  try {
    url = typeof value === 'string' || value instanceof URL ? new URL(value) : undefined;
  } catch {
    url = undefined;
  }
  if (
    !url ||
    (url.protocol !== 'https:' && url.protocol !== 'http:') ||
    url.search ||
    url.hash ||
    url.username
  ) {
    throw new TypeError(
      `tokengate: ${label} must be an absolute http(s) URL without query, fragment or userinfo`,
    );
  }
  return url;
}
