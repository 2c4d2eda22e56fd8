/**
 * The protected resource's identity (RFC 8707 resource indicators, RFC 9728): validating the
 * `resource` option, deriving its metadata URL, and comparing token audiences with it.
 */

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);
const WELL_KNOWN = '/.well-known/oauth-protected-resource';

/**
 * The `resource` option, resolved once: the identifier as configured, its RFC 9728 metadata URL,
 * and the comparison key audiences are matched against.
 */
export interface ResolvedResource {
  /** The resource identifier exactly as configured (published as the metadata's `resource`). */
  readonly resource: string;
  /** The RFC 9728 metadata URL (announced as `resource_metadata` in challenges). */
  readonly metadataUrl: string;
  /** The path of {@link ResolvedResource.metadataUrl}, which the metadata middleware answers. */
  readonly metadataPath: string;
  /** The audience values this resource accepts (see {@link resourceAudiences}). */
  readonly audiences: ReadonlySet<string>;
}

/**
 * Validates a resource identifier (RFC 8707 §2, RFC 9728 §1.2): an absolute `https` URL (`http`
 * only on loopback hosts), without fragment, query, user name or password.
 *
 * @throws TypeError naming the option.
 */
export function parseResource(value: unknown, option = 'resource'): URL {
  if (typeof value !== 'string' && !(value instanceof URL)) {
    throw new TypeError(`tokengate: option "${option}" must be a URL string (the canonical URL of this API)`);
  }
  const text = String(value);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new TypeError(
      `tokengate: option "${option}" must be an absolute URL (got ${JSON.stringify(text)})`,
    );
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK.has(url.hostname))) {
    throw new TypeError(
      `tokengate: option "${option}" must use https (http is allowed only for loopback hosts), got ${url.href}`,
    );
  }
  if (text.includes('#')) {
    throw new TypeError(`tokengate: option "${option}" must not have a fragment (RFC 8707 §2)`);
  }
  if (url.search !== '' || text.includes('?')) {
    throw new TypeError(`tokengate: option "${option}" must not have a query (RFC 8707 §2)`);
  }
  if (url.username !== '' || url.password !== '') {
    throw new TypeError(`tokengate: option "${option}" must not contain a user name or password`);
  }
  if (audienceKey(text) === undefined) {
    throw new TypeError(
      `tokengate: option "${option}" must be an RFC 3986 URI (no spaces, tabs, backslashes or other characters that need percent-encoding)`,
    );
  }
  return url;
}

/**
 * The RFC 9728 §3.1 metadata URL of a resource: `/.well-known/oauth-protected-resource` inserted
 * between the host and the path (a resource without a path, or with only `/`, uses the bare
 * well-known path).
 *
 * @example
 * ```ts
 * resourceMetadataUrl('https://api.example.com/mcp');
 * // => 'https://api.example.com/.well-known/oauth-protected-resource/mcp'
 * resourceMetadataUrl('https://api.example.com');
 * // => 'https://api.example.com/.well-known/oauth-protected-resource'
 * ```
 * @throws TypeError for an identifier that is not an absolute https URL (http on loopback) without
 * query, fragment or credentials.
 * @see https://www.rfc-editor.org/rfc/rfc9728#section-3.1
 */
export function resourceMetadataUrl(resource: string | URL): string {
  const url = parseResource(resource);
  const path = url.pathname === '/' ? '' : url.pathname;
  return `${url.origin}${WELL_KNOWN}${path}`;
}

// RFC 3986 §3: scheme "://" authority path-abempty, with no query or fragment. The authority is
// a host (reg-name or IP-literal) and an optional port; userinfo is refused. Every character must
// be one RFC 3986 allows there: WHATWG URL parsing would strip tabs and newlines and read `\` as
// `/`, so `https:\\api.example.com\mcp` would name `https://api.example.com/mcp`.
const URI =
  /^([A-Za-z][A-Za-z0-9+.-]*):\/\/((?:[A-Za-z0-9\-._~!$&'()*+,;=]|%[0-9A-Fa-f]{2})*|\[[0-9A-Fa-f:.]+\])(?::([0-9]*))?((?:\/(?:[A-Za-z0-9\-._~!$&'()*+,;=:@]|%[0-9A-Fa-f]{2})*)*)$/;
const DEFAULT_PORT: Record<string, string> = { http: '80', https: '443' };

/**
 * The comparison key of a URL-valued audience, read as an RFC 3986 URI (not by WHATWG URL
 * parsing): an absolute `http`/`https` URI with a host, without userinfo, query or fragment, or
 * `undefined` (it then matches no resource). Normalised only as RFC 3986 §6.2.2.1 and §6.2.3 say
 * is safe: scheme and host lower-cased, percent-escapes' hex digits upper-cased, an empty or
 * default port dropped, one trailing `/` removed. The path is otherwise compared exactly: no
 * percent-decoding, no dot-segment removal.
 */
export function audienceKey(value: string): string | undefined {
  if (value.length > 2048) return undefined;
  const match = URI.exec(value);
  if (!match) return undefined;
  const scheme = match[1]!.toLowerCase();
  const host = upperEscapes(match[2]!.toLowerCase());
  const port = match[3];
  if ((scheme !== 'https' && scheme !== 'http') || host === '') return undefined;
  const portPart =
    port === undefined || port === '' || String(Number(port)) === DEFAULT_PORT[scheme]
      ? ''
      : `:${Number(port)}`;
  let path = upperEscapes(match[4]!);
  if (path.endsWith('/')) path = path.slice(0, -1);
  return `${scheme}://${host}${portPart}${path}`;
}

/** Upper-cases the hex digits of percent-escapes (RFC 3986 §6.2.2.1: `%c3` and `%C3` are equal). */
export function upperEscapes(text: string): string {
  return text.includes('%') ? text.replace(/%[0-9a-fA-F]{2}/g, (triplet) => triplet.toUpperCase()) : text;
}

/**
 * The audiences a resource accepts: `aud` values naming the same URL by the rules MCP clients
 * use — scheme and host case-insensitive, default port optional, no query or fragment — with
 * one trailing slash ignored (`https://api.example.com/mcp` and `https://api.example.com/mcp/`
 * are the same resource; a pathless `https://api.example.com` also accepts
 * `https://api.example.com/`, which is how `URL.href` writes it). The path is otherwise
 * compared exactly (case-sensitive).
 *
 * The result is a `ReadonlySet` whose `has()` applies these rules, so the claims policy compares
 * audiences the way it always does; the exact configured string is matched without parsing.
 */
export function resourceAudiences(resource: string | URL): ReadonlySet<string> {
  parseResource(resource);
  const key = audienceKey(String(resource))!;
  return new ResourceAudienceSet([String(resource), key, `${key}/`], key);
}

class ResourceAudienceSet extends Set<string> {
  readonly #key: string;
  constructor(values: readonly string[], key: string) {
    super(values);
    this.#key = key;
  }
  override has(value: string): boolean {
    return super.has(value) || (typeof value === 'string' && audienceKey(value) === this.#key);
  }
}

/** Resolves the `resource` option once (undefined when it is not set). */
export function resolveResource(value: unknown): ResolvedResource | undefined {
  if (value === undefined) return undefined;
  parseResource(value);
  const metadataUrl = resourceMetadataUrl(value as string | URL);
  return {
    resource: String(value),
    metadataUrl,
    metadataPath: new URL(metadataUrl).pathname,
    audiences: resourceAudiences(value as string | URL),
  };
}
