import { EventHub } from './event-hub.js';
import { fetchJson } from './fetch-json.js';
import { KeySourceError } from './key-source-error.js';
import { type RemoteJwksOptions, type ResolvedRemoteOptions, resolveRemoteOptions } from './options.js';
import { SharedRegistry } from './registry.js';
import { RemoteCache, type RemoteKeySourceStats } from './remote-cache.js';
import { isLoopback, validateKeySourceUrl } from './url-rules.js';

/**
 * OpenID Connect / RFC 8414 discovery: where an issuer's metadata lives, reading it (OIDC
 * location first, then RFC 8414, within one deadline), the checks that make it trustworthy
 * (`issuer` identical, `jwks_uri` https), and the shared, cached discovery of each issuer.
 */

/** What discovery found for an issuer. */
export interface IssuerMetadata {
  /** The issuer, exactly as configured (and as the document states it). */
  readonly issuer: string;
  /** The document's `jwks_uri`, checked to be https (or loopback http). */
  readonly jwksUri: string;
  /** The URL the document was read from (OpenID Connect or RFC 8414 form). */
  readonly url: string;
  /** The whole metadata document. */
  readonly metadata: Readonly<Record<string, unknown>>;
}

/** The cached discovery of one issuer; see {@link getIssuerDiscovery}. */
export interface IssuerDiscovery {
  /** The issuer, as configured. */
  readonly issuer: string;
  /** The OpenID Connect discovery URL tried first. */
  readonly url: string;
  /**
   * The issuer's metadata, fetched when missing or older than `cacheMaxAge` (single-flight;
   * failures retried no more often than `cooldownDuration`; the last good document is kept for
   * `staleIfError` while refetches fail).
   * @throws AuthError `key_source_unavailable` whose `cause` is a {@link KeySourceError} naming
   *   the URL and the defect (`issuer_mismatch`, `no_jwks_uri`, `insecure_url`, `not_json`,
   *   `http_status`, `timeout`, …).
   */
  get(): Promise<IssuerMetadata>;
  /** The metadata if usable without fetching, else undefined. */
  peek(): IssuerMetadata | undefined;
  /** Fetch counters of the discovery document. */
  readonly stats: RemoteKeySourceStats;
}

/**
 * Where an issuer's metadata lives: the OpenID Connect location
 * (`{issuer without trailing slash}/.well-known/openid-configuration`, OIDC Discovery §4) and
 * the RFC 8414 §3.1 location (the well-known segment inserted between host and path:
 * `https://h/.well-known/oauth-authorization-server/tenant1`).
 *
 * @example
 * ```ts
 * discoveryUrls('https://h.example/tenant1/');
 * // { openid: 'https://h.example/tenant1/.well-known/openid-configuration',
 * //   oauth: 'https://h.example/.well-known/oauth-authorization-server/tenant1' }
 * ```
 * @throws TypeError for an issuer that is not an https (or loopback http) URL, or that has a
 *   query or fragment (RFC 8414 §2).
 */
export function discoveryUrls(issuer: string): { openid: string; oauth: string } {
  if (typeof issuer !== 'string') throw new TypeError('tokengate: option "issuer" must be a string URL');
  const url = validateKeySourceUrl(issuer, 'issuer');
  if (url.search || url.hash || issuer.includes('?') || issuer.includes('#')) {
    throw new TypeError(`tokengate: option "issuer" must not have a query or fragment (got ${issuer})`);
  }
  const path = url.pathname.replace(/\/+$/, '');
  return {
    openid: `${url.origin}${path}/.well-known/openid-configuration`,
    oauth: `${url.origin}/.well-known/oauth-authorization-server${path}`,
  };
}

const METADATA_ACCEPT = 'application/json';

async function loadMetadata(
  issuer: string,
  urls: { openid: string; oauth: string },
  options: ResolvedRemoteOptions,
): Promise<IssuerMetadata> {
  const started = Date.now();
  const fetchOptions = (timeoutDuration: number) => ({
    timeoutDuration,
    fetch: options.fetch,
    headers: options.headers,
    accept: METADATA_ACCEPT,
    what: 'discovery metadata',
  });
  let url = urls.openid;
  let json: unknown;
  try {
    json = await fetchJson(url, fetchOptions(options.timeoutDuration));
  } catch (first) {
    if (!(first instanceof KeySourceError) || first.kind !== 'http_status') throw first;
    // One deadline for both requests: the fallback gets what is left of timeoutDuration.
    const left = Math.max(1, options.timeoutDuration - (Date.now() - started));
    url = urls.oauth;
    try {
      json = await fetchJson(url, fetchOptions(left));
    } catch (second) {
      if (!(second instanceof KeySourceError)) throw second;
      throw new KeySourceError(
        second.kind,
        second.url,
        `discovery for issuer ${issuer} failed: ${first.message}; then ${second.message}`,
        { status: second.status, cause: second },
      );
    }
  }
  return checkMetadata(issuer, url, json);
}

function checkMetadata(issuer: string, url: string, json: unknown): IssuerMetadata {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new KeySourceError('wrong_shape', url, `discovery metadata from ${url} is not a JSON object`);
  }
  const metadata = json as Record<string, unknown>;
  if (metadata.issuer !== issuer) {
    const stated =
      typeof metadata.issuer === 'string' ? JSON.stringify(metadata.issuer.slice(0, 200)) : 'none';
    throw new KeySourceError(
      'issuer_mismatch',
      url,
      `discovery metadata from ${url} names issuer ${stated}, not the configured ${JSON.stringify(issuer)} ` +
        '(they must be identical, trailing slash included)',
    );
  }
  const jwksUri = metadata.jwks_uri;
  if (typeof jwksUri !== 'string' || jwksUri === '') {
    throw new KeySourceError('no_jwks_uri', url, `discovery metadata from ${url} has no jwks_uri`);
  }
  // The http-on-loopback exception is for URLs the operator wrote: an https issuer's document
  // must not point every instance at a plain-http service on its own machine.
  const loopbackIssuer = isLoopback(new URL(issuer));
  try {
    validateKeySourceUrl(jwksUri, 'jwks_uri', loopbackIssuer);
  } catch (cause) {
    throw new KeySourceError(
      'insecure_url',
      url,
      `discovery metadata from ${url} has a jwks_uri that is not an https URL${loopbackIssuer ? ' (or loopback http)' : ''}`,
      { cause },
    );
  }
  return Object.freeze({ issuer, jwksUri, url, metadata: Object.freeze({ ...metadata }) });
}

/** The shared state behind every {@link IssuerDiscovery} handle of one issuer and options. */
class DiscoverySource {
  readonly issuer: string;
  readonly url: string;
  readonly hub = new EventHub();
  readonly cache: RemoteCache<IssuerMetadata>;

  constructor(issuer: string, options: ResolvedRemoteOptions) {
    const urls = discoveryUrls(issuer);
    this.issuer = issuer;
    this.url = urls.openid;
    this.cache = new RemoteCache<IssuerMetadata>(
      urls.openid,
      () => loadMetadata(issuer, urls, options),
      options,
      (event) => this.hub.emit(event),
      {
        key: `v1:discovery:${issuer}`,
        encode: (found) => ({ url: found.url, metadata: found.metadata }),
        decode: (document) => {
          // read from one of this issuer's two locations, and checked again as if just fetched
          const { url, metadata } = (document ?? {}) as { url?: unknown; metadata?: unknown };
          if (url !== urls.openid && url !== urls.oauth) {
            throw new KeySourceError(
              'wrong_shape',
              urls.openid,
              `stored discovery metadata of ${issuer} names no discovery URL of it`,
            );
          }
          return checkMetadata(issuer, url, metadata);
        },
      },
    );
  }
}

function discoveryHandle(source: DiscoverySource): IssuerDiscovery {
  return {
    issuer: source.issuer,
    url: source.url,
    get: async () => (await source.cache.get()).value,
    peek: () => source.cache.peek()?.value,
    get stats() {
      return source.cache.stats;
    },
  };
}

const registry = new SharedRegistry<DiscoverySource>();

/**
 * The process-wide discovery of `issuer`'s metadata, shared by every caller with the same issuer
 * and options (as {@link getRemoteJwks}). Validates the issuer synchronously; fetches lazily.
 *
 * The document's `issuer` must equal the configured one exactly (a trailing-slash difference is
 * a mismatch, as OpenID Connect Discovery §4.3 and RFC 8414 §3.3 require), and `jwks_uri` must
 * be https, or http on a loopback host (`127.0.0.1`, `localhost`, `[::1]`). The OIDC location is
 * tried first; on a non-2xx answer, the RFC 8414 location, within the same `timeoutDuration`.
 *
 * @example
 * ```ts
 * const discovery = getIssuerDiscovery('https://idp.example.com/');
 * const { jwksUri } = discovery.peek() ?? (await discovery.get());
 * ```
 * @throws TypeError for an insecure or malformed issuer URL, or bad options (a start-up error).
 */
export function getIssuerDiscovery(issuer: string, options: RemoteJwksOptions = {}): IssuerDiscovery {
  const resolved = resolveRemoteOptions(options);
  discoveryUrls(issuer);
  const source = registry.get(issuer, resolved, () => new DiscoverySource(issuer, resolved));
  const handle = discoveryHandle(source);
  return options.onEvent ? source.hub.attach(handle, options.onEvent) : handle;
}

/**
 * Discovers an issuer's metadata (see {@link getIssuerDiscovery} for the rules and sharing).
 *
 * @example
 * ```ts
 * const { jwksUri } = await discoverIssuer('https://login.example.com/tenant1');
 * ```
 * @throws TypeError (rejected) for an insecure or malformed issuer URL or bad options;
 *   AuthError `key_source_unavailable` (rejected) when the metadata cannot be had or is wrong.
 */
export async function discoverIssuer(
  issuer: string,
  options: RemoteJwksOptions = {},
): Promise<IssuerMetadata> {
  return getIssuerDiscovery(issuer, options).get();
}
