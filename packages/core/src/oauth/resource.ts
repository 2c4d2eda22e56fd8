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

/**
 * The comparison key of a URL-valued audience: scheme and host lower-cased (and the default port
 * dropped) by URL parsing, a single trailing `/` removed, the rest of the path compared exactly.
 * `undefined` for values that are not absolute http(s) URLs or that carry a query or fragment:
 * they never match a resource.
 */
export function audienceKey(value: string): string | undefined {
  if (value.includes('#') || value.includes('?')) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return undefined;
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.username !== '' || url.password !== '') {
    return undefined;
  }
  const path = url.pathname.endsWith('/') ? url.pathname.slice(0, -1) : url.pathname;
  return url.origin + path;
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
  const url = parseResource(resource);
  const key = audienceKey(url.href)!;
  return new ResourceAudienceSet([String(resource), url.href, key, `${key}/`], key);
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
