import { AuthError } from '../errors/auth-error.js';

/**
 * A place to look for the token: the `Authorization: Bearer` header, a cookie, (only when asked
 * for explicitly, RFC 6750 §2.3 says SHOULD NOT) a query parameter, or the entry of a WebSocket
 * upgrade's `Sec-WebSocket-Protocol` list that starts with `protocol` (RFC 6455 §11.3.4; the
 * token is the rest of that entry).
 */
export type TokenSource = 'header' | { cookie: string } | { query: string } | { protocol: string };

/**
 * What the core needs from a request. Adapters build it from their framework's request; only
 * `method` and `header` are required.
 */
export interface RequestLike<Raw = unknown> {
  /** HTTP method, upper case. */
  readonly method: string;
  /** A header value by lower-case name (several lines may come joined with `, `). */
  header(name: string): string | undefined;
  /** Number of `Authorization` lines as received, when the framework can tell (Node `rawHeaders`). */
  authorizationLines?(): number;
  /**
   * The request target as received (path and query, or absolute-form), for `{ query }` sources
   * and the path of DPoP's `htu` (only the path: the scheme and host of an absolute-form target
   * are never used).
   */
  readonly url?: string;
  /**
   * Whether the connection is TLS. No longer read by the core: DPoP's `htu` is built from
   * `dpop.publicUrl` or `resource`, never from the connection or the `Host` header.
   */
  readonly secure?: boolean;
  /** The framework's own request object (`req`, `ctx`, `c`), passed to `getToken` and hooks. */
  readonly raw: Raw;
}

/**
 * Outcome of looking for a token. `syntaxUnchecked` marks a header credential whose RFC 6750
 * `b64token` syntax was not checked yet (see {@link checkBearerSyntax}).
 */
export type Extracted =
  | {
      readonly token: string;
      readonly syntaxUnchecked?: boolean;
      /** `'dpop'` for `Authorization: DPoP <token>` (RFC 9449 §7.1); otherwise a Bearer presentation. */
      readonly scheme?: 'dpop';
    }
  | undefined;

const SCHEME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+/;
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;
const BEARER_ELSEWHERE = /(?:^|,)\s*bearer(?:\s|$)/i;
const DPOP_ELSEWHERE = /(?:^|,)\s*dpop(?:\s|$)/i;

function invalidRequest(message: string): AuthError {
  return new AuthError('invalid_request', message);
}

/**
 * Parses an `Authorization` value per RFC 6750 §2.1: `Bearer` (any case), one or more spaces,
 * one `b64token`. With `dpop`, the `DPoP` scheme of RFC 9449 §7.1 is read the same way. Another
 * scheme means "no bearer credentials"; a broken credential (or more than one) is a 400
 * `invalid_request`.
 */
export function parseAuthorization(
  value: string | undefined,
  maxLength: number,
  deferSyntax = false,
  dpop = false,
): Extracted {
  if (value === undefined || value === '') return undefined;
  const scheme = SCHEME.exec(value)?.[0];
  const lower = scheme?.toLowerCase();
  const isDpop = dpop && lower === 'dpop';
  if (scheme === undefined || (lower !== 'bearer' && !isDpop)) {
    if (BEARER_ELSEWHERE.test(value) || (dpop && DPOP_ELSEWHERE.test(value)))
      throw invalidRequest('more than one credential in the Authorization header');
    return undefined;
  }
  const name = isDpop ? 'DPoP' : 'Bearer';
  let i = scheme.length;
  if (i === value.length) throw invalidRequest(`${name} credentials are empty`);
  if (value.charCodeAt(i) !== 32)
    throw invalidRequest(`Authorization header is malformed (expected "${name} <token>")`);
  while (value.charCodeAt(i) === 32) i++;
  const credential = value.slice(i);
  if (credential.length === 0) throw invalidRequest(`${name} credentials are empty`);
  if (credential.length > maxLength) {
    throw new AuthError('invalid_token', `token is longer than ${maxLength} characters`, {
      reason: 'too_large',
    });
  }
  if (isDpop) {
    checkBearerSyntax(credential);
    return { token: credential, scheme: 'dpop' };
  }
  if (deferSyntax) return { token: credential, syntaxUnchecked: true };
  checkBearerSyntax(credential);
  return { token: credential };
}

/**
 * Throws the RFC 6750 `invalid_request` (400) for a credential that is not one `b64token`
 * (spaces, tabs, commas, quotes…). Every token that verifies is made of base64url segments and
 * dots, so adapters may run this only when verification fails: a cached token then never pays
 * for the regular expression.
 */
export function checkBearerSyntax(credential: string): void {
  if (!B64TOKEN.test(credential)) {
    throw invalidRequest(
      'Authorization header is malformed (one token of base64url characters expected after "Bearer ")',
    );
  }
}

/**
 * Reads one cookie from a `Cookie` header; the value is URL-decoded. A name sent twice is a 400
 * `invalid_request`, as two `Authorization` lines are: which one counts would be a guess (an
 * empty first `at=` would hide the real one), and a proxy may have guessed the other way.
 */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  let found: string | undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== name) continue;
    if (found !== undefined) throw invalidRequest(`cookie "${name}" is sent more than once`);
    found = part.slice(eq + 1).trim();
  }
  if (found === undefined) return undefined;
  let value = found;
  if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
  if (!value.includes('%')) return value;
  try {
    return decodeURIComponent(value);
  } catch {
    throw invalidRequest(`cookie "${name}" is not valid URL-encoding`);
  }
}

function readQuery(url: string | undefined, name: string): string | undefined {
  if (!url) return undefined;
  const q = url.indexOf('?');
  if (q < 0) return undefined;
  const values = new URLSearchParams(url.slice(q + 1)).getAll(name);
  if (values.length > 1) throw invalidRequest(`query parameter "${name}" is repeated`);
  return values[0] || undefined;
}

/**
 * Finds the token in a request, trying each source in order; the first that holds a token
 * wins. Two `Authorization` lines are a 400 (a proxy and the app could disagree on which one
 * counts), and so is a token in both the header and a query parameter: RFC 6750 §3.1 makes
 * "more than one method" an `invalid_request`, as a repeated cookie or query parameter is. A
 * cookie is not one of those methods: the browser attaches it to every request, so a cookie
 * beside a header is a fallback in the listed order, not a conflict.
 */
export function extractToken(
  request: RequestLike,
  sources: readonly TokenSource[],
  maxLength: number,
  deferSyntax = false,
  dpop = false,
): Extracted {
  for (let i = 0; i < sources.length; i++) {
    const source = sources[i]!;
    const found = readSource(request, source, maxLength, deferSyntax, dpop);
    if (!found) continue;
    if (isMethod(source)) {
      for (let j = i + 1; j < sources.length; j++) {
        const other = sources[j]!;
        if (!isMethod(other)) continue;
        if (readSource(request, other, maxLength, true, dpop)) {
          throw invalidRequest('the token is sent in more than one way (header, query or protocol)');
        }
      }
    }
    return found;
  }
  return undefined;
}

/** Whether a source is one of RFC 6750's methods of sending a token (a cookie is not: see above). */
function isMethod(source: TokenSource): boolean {
  return source === 'header' || 'query' in source || 'protocol' in source;
}

function readSource(
  request: RequestLike,
  source: TokenSource,
  maxLength: number,
  deferSyntax: boolean,
  dpop: boolean,
): Extracted {
  if (source === 'header') {
    if (request.authorizationLines && request.authorizationLines() > 1) {
      throw invalidRequest('more than one Authorization header');
    }
    return parseAuthorization(request.header('authorization'), maxLength, deferSyntax, dpop);
  }
  if ('protocol' in source)
    return readProtocol(request.header('sec-websocket-protocol'), source.protocol, maxLength);
  const value =
    'cookie' in source
      ? readCookie(request.header('cookie'), source.cookie)
      : readQuery(request.url, source.query);
  return value ? { token: value } : undefined;
}

/**
 * Reads the token from a `Sec-WebSocket-Protocol` list (comma-separated, possibly over several
 * lines joined with `, `): the rest of the one entry that starts with `prefix`. Two such entries,
 * or one with nothing after the prefix, are a 400 `invalid_request`.
 */
export function readProtocol(header: string | undefined, prefix: string, maxLength: number): Extracted {
  if (!header?.includes(prefix)) return undefined;
  let found: string | undefined;
  for (const part of header.split(',')) {
    const entry = part.trim();
    if (!entry.startsWith(prefix)) continue;
    if (found !== undefined) throw invalidRequest('more than one token in the Sec-WebSocket-Protocol header');
    found = entry.slice(prefix.length);
  }
  if (found === undefined) return undefined;
  if (found === '') throw invalidRequest('the token in the Sec-WebSocket-Protocol header is empty');
  if (found.length > maxLength) {
    throw new AuthError('invalid_token', `token is longer than ${maxLength} characters`, {
      reason: 'too_large',
    });
  }
  return { token: found };
}

/** RFC 9110 `token` characters: what a subprotocol name (and so a prefix) is made of. */
const HTTP_TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** Validates the `tokenSources` option at start-up; throws a `TypeError` starting `tokengate: ${label}`. */
export function validateTokenSources(sources: unknown, label: string): readonly TokenSource[] {
  if (!Array.isArray(sources) || sources.length === 0) {
    throw new TypeError(`tokengate: ${label} must be a non-empty array`);
  }
  for (const source of sources) {
    const ok =
      source === 'header' ||
      (typeof source === 'object' &&
        source !== null &&
        ((typeof source.cookie === 'string' && source.cookie !== '') ||
          (typeof source.query === 'string' && source.query !== '') ||
          (typeof source.protocol === 'string' && HTTP_TOKEN.test(source.protocol))));
    if (!ok) {
      throw new TypeError(
        `tokengate: ${label}: expected 'header', { cookie: name }, { query: name } or { protocol: prefix } (a prefix of HTTP token characters)`,
      );
    }
  }
  return sources as TokenSource[];
}
