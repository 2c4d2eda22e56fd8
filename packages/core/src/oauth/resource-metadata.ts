import type { TokengateOptions } from '../config/options.js';
import { guardScopes, guardScopesVersion } from '../policy/known-scopes.js';
import { pathOfTarget } from '../request/target.js';
import type { TokenSource } from '../request/token-sources.js';
import { isIssuerTemplate } from '../token/issuer-template.js';
import { dpopMetadata } from './dpop/options.js';
import { parseResource, type ResolvedResource, resolveResource, upperEscapes } from './resource.js';

/**
 * An OAuth 2.0 Protected Resource Metadata document (RFC 9728 §2), as
 * {@link buildResourceMetadata} produces it. Only members tokengate can state truthfully are
 * included.
 */
export interface ProtectedResourceMetadata {
  /** The resource identifier (the `resource` option). */
  resource: string;
  /** Issuer identifiers of the authorization servers whose tokens are accepted. */
  authorization_servers?: string[];
  /** Scopes clients may request for this resource. */
  scopes_supported?: string[];
  /** How the access token may be sent (RFC 6750): `header`, `query`; `[]` when neither. */
  bearer_methods_supported?: ('header' | 'body' | 'query')[];
  /** Human-readable name of the resource. */
  resource_name?: string;
  /** URL of human-readable documentation for developers. */
  resource_documentation?: string;
  /** RFC 9728 §2 / RFC 9449: DPoP proof algorithms accepted (with the `dpop` option). */
  dpop_signing_alg_values_supported?: string[];
  /** RFC 9728 §2: whether only DPoP-bound tokens are accepted (`dpop: 'required'`). */
  dpop_bound_access_tokens_required?: boolean;
}

/** What an adapter sends back for a metadata request. */
export interface ResourceMetadataResponse {
  /** 200 (GET, HEAD) or 204 (CORS preflight). */
  readonly status: 200 | 204;
  /** Response headers: `Content-Type`, `Cache-Control` and CORS. */
  readonly headers: Readonly<Record<string, string>>;
  /** The JSON document; undefined for HEAD and preflight. */
  readonly body: string | undefined;
}

/**
 * The framework-free part of every adapter's `protectedResourceMetadata()` middleware: the
 * well-known path it serves and the answer for a request.
 */
export interface ResourceMetadataEndpoint {
  /** The RFC 9728 metadata URL. */
  readonly url: string;
  /** Its path, e.g. `/.well-known/oauth-protected-resource/mcp`. */
  readonly path: string;
  /**
   * The response for a request with this method and target, or `undefined` when the request is
   * not for the metadata (any other path, or a method other than GET, HEAD and a CORS preflight):
   * the middleware then passes it on. `target` is the request target as received, not decoded:
   * a path (`/.well-known/…?x`, the query ignored) or an absolute URL (its path is used).
   * Percent-escapes compare case-insensitively (RFC 3986 §6.2.2.1); a decoded path (`/café`
   * for `/caf%C3%A9`) does not match.
   */
  answer(method: string, target: string, requestedHeaders?: string): ResourceMetadataResponse | undefined;
}

/** Seconds clients and caches may reuse the document (`Cache-Control: max-age`). */
export const RESOURCE_METADATA_MAX_AGE = 3600;

// RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E )
const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/;

function list<T>(value: T | readonly T[] | undefined): readonly T[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? (value as readonly T[]) : [value as T];
}

/** Validates the `scopesSupported` option: RFC 6749 scope tokens. */
export function validateScopesSupported(value: unknown, label: string): readonly string[] {
  if (!Array.isArray(value) || value.some((s) => typeof s !== 'string' || !SCOPE_TOKEN.test(s))) {
    throw new TypeError(
      `tokengate: ${label} must be a list of scope names (RFC 6749 scope tokens, no spaces)`,
    );
  }
  return value;
}

/** Validates the `resourceName` option: a non-empty string. */
export function validateResourceName(value: unknown, label: string): string {
  if (typeof value !== 'string' || value === '') {
    throw new TypeError(`tokengate: ${label} must be a non-empty string`);
  }
  return value;
}

/** Validates the `resourceDocumentation` option: an absolute http(s) URL. */
export function validateResourceDocumentation(value: unknown, label: string): string | URL {
  let url: URL | undefined;
  try {
    url = new URL(String(value));
  } catch {}
  if (
    (typeof value !== 'string' && !(value instanceof URL)) ||
    !url ||
    (url.protocol !== 'https:' && url.protocol !== 'http:')
  ) {
    throw new TypeError(`tokengate: ${label} must be an absolute http(s) URL`);
  }
  return value;
}

const EXTRAS = {
  scopesSupported: validateScopesSupported,
  resourceName: validateResourceName,
  resourceDocumentation: validateResourceDocumentation,
} as const;

/**
 * Validates the protected-resource options (`resource`, `scopesSupported`, `resourceName`,
 * `resourceDocumentation`) and resolves `resource`; `createVerifier` and the metadata
 * middleware both call it, so a mistake fails at start-up.
 *
 * @throws TypeError naming the option.
 */
export function resolveResourceOptions(options: TokengateOptions<any, any>): ResolvedResource | undefined {
  const resolved = resolveResource(options.resource);
  for (const name of Object.keys(EXTRAS) as (keyof typeof EXTRAS)[]) {
    if (options[name] === undefined) continue;
    if (!resolved) throw new TypeError(`tokengate: option "${name}" needs option "resource"`);
    EXTRAS[name](options[name], `option "${name}"`);
  }
  return resolved;
}

function bearerMethods(
  options: TokengateOptions<any, any>,
): ProtectedResourceMetadata['bearer_methods_supported'] {
  if (options.getToken !== undefined) return undefined; // a custom function: nothing to promise
  const sources: readonly TokenSource[] = options.tokenSources ?? ['header'];
  const methods = new Set<'header' | 'query'>();
  for (const source of sources) {
    if (source === 'header') methods.add('header');
    else if (typeof source === 'object' && source !== null && 'query' in source) methods.add('query');
    // A cookie is not an RFC 6750 bearer method: it is not announced.
  }
  return [...methods];
}

function authorizationServers(options: TokengateOptions<any, any>): string[] {
  const issuers = [
    ...list(options.issuer),
    ...(Array.isArray(options.issuers) ? options.issuers.flatMap((entry) => list(entry?.issuer) ?? []) : []),
  ];
  // A template (`{tid}`) names no one server: it is not announced.
  return [
    ...new Set(issuers.filter((i): i is string => typeof i === 'string' && i !== '' && !isIssuerTemplate(i))),
  ];
}

/**
 * Builds the RFC 9728 Protected Resource Metadata document from the same options given to
 * `jwtAuth()` / `createVerifier()`:
 *
 * - `resource`: the `resource` option, verbatim;
 * - `authorization_servers`: `issuer` (or each `issuers[].issuer`), omitted when there is none;
 * - `scopes_supported`: the `scopesSupported` option, or else every scope named by a scope
 *   guard (`requireScope`, `requireAnyScope`, their decorators) created so far in this process,
 *   sorted; omitted when empty;
 * - `bearer_methods_supported`: from `tokenSources` (`header`, `query`; a cookie is not an RFC
 *   6750 method, so a cookie-only API announces `[]`); omitted with `getToken`;
 * - `resource_name`, `resource_documentation`: the `resourceName` / `resourceDocumentation` options;
 * - with `dpop`: `dpop_signing_alg_values_supported` and `dpop_bound_access_tokens_required`.
 *
 * @throws TypeError when `resource` is missing or an option is malformed.
 * @example
 * ```ts
 * buildResourceMetadata({ issuer: 'https://idp.example.com', resource: 'https://api.example.com/mcp' });
 * // => { resource: 'https://api.example.com/mcp',
 * //      authorization_servers: ['https://idp.example.com'], bearer_methods_supported: ['header'] }
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9728#section-2
 */
export function buildResourceMetadata(options: TokengateOptions<any, any>): ProtectedResourceMetadata {
  if (typeof options !== 'object' || options === null || options.resource === undefined) {
    throw new TypeError('tokengate: protected resource metadata needs option "resource"');
  }
  resolveResourceOptions(options);
  const doc: ProtectedResourceMetadata = { resource: String(options.resource) };
  const servers = authorizationServers(options);
  if (servers.length > 0) doc.authorization_servers = servers;
  const scopes = options.scopesSupported ? [...new Set(options.scopesSupported)] : [...guardScopes().scopes];
  if (scopes.length > 0) doc.scopes_supported = scopes;
  const methods = bearerMethods(options);
  if (methods !== undefined) doc.bearer_methods_supported = methods;
  if (options.resourceName !== undefined) doc.resource_name = options.resourceName;
  if (options.resourceDocumentation !== undefined)
    doc.resource_documentation = String(options.resourceDocumentation);
  const dpop = dpopMetadata(options.dpop);
  if (dpop) {
    doc.dpop_signing_alg_values_supported = dpop.algorithms;
    doc.dpop_bound_access_tokens_required = dpop.required;
  }
  return doc;
}

/**
 * Creates the {@link ResourceMetadataEndpoint} behind each adapter's
 * `protectedResourceMetadata(options)`: GET and HEAD on the well-known path get the document
 * (readable cross-origin with `Access-Control-Allow-Origin: *`, cacheable for
 * {@link RESOURCE_METADATA_MAX_AGE} seconds), a CORS preflight gets 204; everything else is
 * passed on.
 *
 * @throws TypeError when `resource` is missing or an option is malformed.
 */
export function createResourceMetadataEndpoint(
  options: TokengateOptions<any, any>,
): ResourceMetadataEndpoint {
  const resolved = resolveResourceOptions(options ?? {});
  if (!resolved) throw new TypeError('tokengate: protectedResourceMetadata() needs option "resource"');
  parseResource(options.resource);
  const fixed = options.scopesSupported !== undefined;
  let version = -1;
  let body = '';
  const document = (): string => {
    const current = fixed ? 0 : guardScopesVersion();
    if (current !== version) {
      body = JSON.stringify(buildResourceMetadata(options));
      version = current;
    }
    return body;
  };
  const cors = { 'Access-Control-Allow-Origin': '*' };
  const headers = {
    'Content-Type': 'application/json',
    'Cache-Control': `public, max-age=${RESOURCE_METADATA_MAX_AGE}`,
    ...cors,
  };
  const metadataPath = upperEscapes(resolved.metadataPath);
  return {
    url: resolved.metadataUrl,
    path: resolved.metadataPath,
    answer(method, target, requestedHeaders) {
      let path = pathOfTarget(target);
      if (path === undefined) return undefined;
      const query = path.search(/[?#]/);
      if (query >= 0) path = path.slice(0, query);
      if (path !== metadataPath && (!path.includes('%') || upperEscapes(path) !== metadataPath))
        return undefined;
      if (method === 'GET') return { status: 200, headers, body: document() };
      if (method === 'HEAD') return { status: 200, headers, body: undefined };
      if (method === 'OPTIONS') {
        return {
          status: 204,
          headers: {
            ...cors,
            'Access-Control-Allow-Methods': 'GET, HEAD, OPTIONS',
            'Access-Control-Allow-Headers': requestedHeaders || '*',
            'Access-Control-Max-Age': '86400',
          },
          body: undefined,
        };
      }
      return undefined;
    },
  };
}
