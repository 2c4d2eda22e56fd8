import { pathOfTarget } from '../../request/target.js';
import type { RequestLike } from '../../request/token-sources.js';
import { upperEscapes } from '../resource.js';

const UNRESERVED = /%(2[dDeE]|3[0-9]|[46][1-9a-fA-F]|[57][0-9aA]|5[fF]|7[eE])/g;

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
  const path = upperEscapes(url.pathname).replace(UNRESERVED, (_, hex: string) =>
    String.fromCharCode(Number.parseInt(hex, 16)),
  );
  return `${url.protocol}//${url.host}${path}`;
}

/**
 * The absolute URLs a proof's `htu` may name for `request`: each configured base (`publicUrl`, or
 * the `resource`'s origin) followed by the request's path. Nothing else is taken from the request:
 * not its `Host` header, not the scheme or host of an absolute-form request line, not the socket.
 * A client controls all of those, so a proof made for another server would otherwise pass.
 * `undefined` when the request target is not a path.
 */
export function requestHtus(request: RequestLike, bases: readonly URL[]): (string | undefined)[] | undefined {
  const target = pathOfTarget(request.url);
  if (target === undefined) return undefined;
  return bases.map((base) => {
    const prefix = base.pathname.endsWith('/') ? base.pathname.slice(0, -1) : base.pathname;
    return normalizeHtu(`${base.origin}${prefix}${target}`);
  });
}

/**
 * Validates the `dpop.publicUrl` option at start-up: one URL or a list of them (an API served
 * under several names).
 */
export function validatePublicUrls(value: unknown, label: string): readonly URL[] {
  const values = Array.isArray(value) ? value : [value];
  if (values.length === 0) throw new TypeError(`tokengate: ${label} must not be an empty list`);
  return values.map((entry) => {
    let url: URL | undefined;
    try {
      url = typeof entry === 'string' || entry instanceof URL ? new URL(entry) : undefined;
    } catch {
      url = undefined;
    }
    if (
      !url ||
      (url.protocol !== 'https:' && url.protocol !== 'http:') ||
      url.search ||
      url.hash ||
      url.username ||
      url.password
    ) {
      throw new TypeError(
        `tokengate: ${label} must be an absolute http(s) URL (or a list of them) without query, fragment or userinfo`,
      );
    }
    return url;
  });
}

/**
 * The base of `htu` when `dpop.publicUrl` is not given: the origin of `resource`. With neither,
 * DPoP cannot know its own URL and the option is refused.
 */
export function defaultPublicUrls(resource: unknown): readonly URL[] {
  if (resource !== undefined) return [new URL(new URL(String(resource)).origin)];
  throw new TypeError(
    'tokengate: option "dpop" needs "dpop.publicUrl" (the URL clients call, e.g. \'https://api.example.com\') or "resource": the proof\'s "htu" is compared with it, never with the request\'s Host header',
  );
}
