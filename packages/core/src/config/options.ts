/**
 * The options' types and documentation. Their validation and defaults are declared in
 * `declarations.ts`, whose tables the compiler holds to exactly these names.
 */
import type { AuthContext, PublicAuthContext, RegisteredClaims } from '../context/types.js';
import type { CryptoPreference } from '../crypto/index.js';
import type { AuthError } from '../errors/auth-error.js';
import type { KeySourceEventOption } from '../keys/remote/events.js';
import type { KeyCache } from '../keys/remote/key-cache.js';
import type { DpopOptions } from '../oauth/dpop/options.js';
import type { TokenSource } from '../request/token-sources.js';
import type { RevocationStore } from '../revocation/store.js';
import type { StandardSchemaV1 } from '../token/schema.js';
import type { Duration } from './duration.js';
import type { IssuerOptions, IssuerResolver } from './issuer-options.js';

export type {
  ClaimCheck,
  IssuerOptions,
  IssuerResolver,
  IssuerResolverInput,
  JsonWebKeySet,
  KeyObjectLike,
  PublicKeyInput,
  Secret,
  SecretLookupInput,
  SecretResolver,
} from './issuer-options.js';

/** The claims a schema produces, or the registered claims when there is no schema. */
export type ClaimsOf<S> = S extends StandardSchemaV1<any, infer Out> ? Out : RegisteredClaims;

/** Event given to the `onError` hook. */
export interface ErrorEvent<Req = unknown> {
  /** The failure. */
  error: AuthError;
  /** The framework's request object (`req`, `ctx` or `c`), when the failure happened in a request. */
  request: Req | undefined;
}

/** Event given to the `onAuthenticated` hook. The context has no raw token. */
export interface AuthenticatedEvent<C = RegisteredClaims, Req = unknown> {
  /** The verified context, without the raw token. */
  auth: PublicAuthContext<C>;
  /** The framework's request object. */
  request: Req;
}

/** Options of the verified-token cache. */
export interface CacheOptions {
  /**
   * Most tokens kept.
   * @default 10000
   */
  maxEntries?: number;
  /**
   * Longest a verified token is reused, in seconds or as a duration string (the token's own
   * `exp`, `nbf`, `iat` and `maxTokenAge` are checked on every hit anyway).
   * @default '10m'
   */
  maxAge?: Duration;
}

/**
 * Every option of tokengate, the same in each adapter (`jwtAuth(options)`) and in
 * `createVerifier(options)`.
 *
 * @typeParam S - a Standard Schema for the claims (zod, valibot, arktype…), if any.
 */
export interface TokengateOptions<S extends StandardSchemaV1 | undefined = undefined, Req = any>
  extends IssuerOptions {
  /**
   * Several trusted issuers (multi-tenant), each with its own keys, audience and options; the
   * token's unverified `iss` only selects among them. Top-level options are defaults for each.
   * An entry's `issuer` may list several spellings or be a template (`{tid}`, see `issuer`).
   *
   * Or a function of the decoded token returning the options of its issuer, or `undefined` to
   * refuse it (401 `issuer`, nothing fetched): called once per `iss` (answers cached, at most
   * 1,000 issuers; a refusal is remembered for a minute), concurrent calls for one `iss` share
   * one call. Its answer need not repeat `issuer`. Throwing is the app's bug and reaches the
   * framework's error path unchanged.
   *
   * @example
   * ```ts
   * issuers: async ({ iss }) => (await tenants.byIssuer(iss)) && { audience: 'api://orders' }
   * ```
   */
  issuers?: readonly (IssuerOptions & { issuer: string | readonly string[] })[] | IssuerResolver;
  /**
   * A Standard Schema (zod, valibot, arktype…) that validates the claims; what it returns is
   * `auth.claims` (typed by it). It does not change policy: revocation, scopes, roles,
   * `requiredClaims` and guards read `auth.payload`, the verified payload as sent.
   */
  claims?: S;
  /**
   * Where to find the token, in order; the first source that holds one wins: `'header'`
   * (`Authorization: Bearer`), `{ cookie: name }`, `{ query: name }`, or `{ protocol: prefix }`,
   * the `Sec-WebSocket-Protocol` entry that starts with `prefix` (the token is the rest of it;
   * browsers cannot set `Authorization` on a WebSocket). A server must never choose that entry
   * as the subprotocol it answers with: see `selectSubprotocol`.
   * @default ['header']
   * @example
   * ```ts
   * jwtAuth({ issuer, audience, tokenSources: ['header', { protocol: 'bearer.' }] });
   * // browser: new WebSocket(url, ['chat', `bearer.${token}`])
   * ```
   */
  tokenSources?: readonly TokenSource[];
  /** A function that returns the token from the framework's request (may be async). Replaces `tokenSources`. */
  getToken?: (request: Req) => string | undefined | null | Promise<string | undefined | null>;
  /**
   * `false` lets requests without a token through unauthenticated (the handler sees no `auth`).
   * A present but bad token is still rejected unless `invalidTokens: 'anonymous'`.
   * @default true
   */
  credentialsRequired?: boolean;
  /**
   * With `credentialsRequired: false`: `'reject'` answers a bad token with 401/400;
   * `'anonymous'` lets the request through unauthenticated and keeps the error for the handler.
   * @default 'reject'
   */
  invalidTokens?: 'reject' | 'anonymous';
  /**
   * Where a refusal (401/400/403/503 from `jwtAuth` or a guard) goes. `'error'` hands the
   * `AuthError` to the framework's error path: Express's error handlers (`next(err)`; answered in
   * place when the app has none), Koa's `try`/`catch` around `next()` and `app.on('error')`, Hono's
   * `app.onError`, Fastify's `setErrorHandler` (answered in place when the app has none).
   * `'respond'` answers in place, always, with the same status, headers and JSON body
   * (`{ error, code, error_description }`), and never throws: cheaper under a flood of bad tokens
   * (a thrown error costs Koa and Hono their whole error path; on Hono's default handler, twice
   * what the answer itself costs), but the app's error handlers never see a refusal, so they can
   * neither reshape nor log it — use the `onError` hook for that. Errors that are not refusals
   * (a throwing `secret` function) still go to the error path.
   * @default 'error'
   */
  refusals?: 'error' | 'respond';
  /**
   * A predicate that revokes a verified token (checked on cache hits too). Read identifiers from
   * `auth.payload`: `auth.claims` is what a `claims` schema kept. If it throws or rejects, the
   * request is refused with 503 `revocation_unavailable` (fail closed), the error as `cause`.
   */
  isRevoked?: (auth: AuthContext<ClaimsOf<S>>) => boolean | Promise<boolean>;
  /** A revocation store (`createMemoryRevocationStore()`, `@tokengate/redis`). */
  revocation?: RevocationStore;
  /**
   * Verified-token cache. It only saves work: a verifier answers exactly what it answers with
   * `cache: false`. Keyed by the whole token; every time check (`exp`, `nbf`, `iat`,
   * `maxTokenAge`) and revocation run on every hit; a hit stands only while the key that verified
   * the token is still selected (a `secret` function is called on every request; a remote key set
   * due for refresh is refreshed on hits too). A token is cached from its second use. `false`
   * turns it off.
   * @default { maxEntries: 10000, maxAge: '10m' }
   */
  cache?: boolean | CacheOptions;
  /** Called after a request is authenticated (for logging, metrics, usage accounting). */
  onAuthenticated?: (event: AuthenticatedEvent<ClaimsOf<S>, Req>) => void;
  /** Called for every authentication failure and key-source problem. Never receives the token. */
  onError?: (event: ErrorEvent<Req>) => void;
  /**
   * `realm` of the `WWW-Authenticate` challenge (omitted when unset), sent as an RFC 9110
   * quoted-string (`"` and `\` escaped). Printable ASCII only: anything else is a start-up error.
   */
  realm?: string;
  /** Longest token accepted, in characters, checked before any parsing. @default 8192 */
  maxTokenLength?: number;
  /**
   * Remote key fetch timeout, as a duration string (`'5s'`). These four remote-key timings took
   * milliseconds until tokengate 0.1: a bare number other than `0` is now a start-up `TypeError`
   * that names the string to write (`5000` → `'5s'`).
   * @default '5s'
   */
  timeoutDuration?: Duration;
  /** Least time between two fetches of a remote JWKS (`'30s'`); positive. @default '30s' */
  cooldownDuration?: Duration;
  /**
   * How long a fetched JWKS is used before it is refreshed (`'10m'`); `Infinity` keeps it until an
   * unknown `kid` forces a refetch.
   * @default '10m'
   */
  cacheMaxAge?: Duration;
  /**
   * How long known keys keep working past `cacheMaxAge` while the endpoint fails (`'24h'`); `0`
   * fails closed at once.
   * @default '24h'
   */
  staleIfError?: Duration;
  /**
   * Fetch discovery and keys at start-up. A failure is reported through `onError` when given,
   * else logged on the console (unless `onKeySourceEvent: false`). To fail start-up instead,
   * `await verifier.ready()`.
   * @default false
   */
  warmup?: boolean;
  /**
   * Called for remote key-source events: `fetched`, `fetch_failed` (names the URL and the
   * defect), `stale_keys` (known keys kept working during an outage) and `recovered`.
   *
   * When not given, tokengate logs each state change of a key source once on the console
   * (`console.error` for a failure, `console.warn` for stale keys and the recovery), naming the
   * URL without its query and the defect, never key material. A function replaces that log;
   * `false` turns it off.
   * @default a console log of state changes
   */
  onKeySourceEvent?: KeySourceEventOption;
  /** A `fetch` implementation for remote keys (proxies, custom agents). @default globalThis.fetch */
  fetch?: typeof globalThis.fetch;
  /**
   * A cache shared by the instances of the app (Workers isolates, Lambda functions, replicas)
   * that keeps the key sets and discovery documents they fetched, with when they were fetched:
   * a cold instance with a warm shared cache verifies its first token without fetching keys.
   * `workersKeyCache(caches.default)` on Cloudflare Workers, `createRedisKeyCache({ url })` from
   * `@tokengate/redis` elsewhere.
   *
   * The shared copies obey the rules of fetched ones: fresh for `cacheMaxAge` from the fetch
   * (not from the read), an unknown `kid` refetches unless any instance fetched within
   * `cooldownDuration`, and a copy past `cacheMaxAge` is served while refetching fails, up to
   * `staleIfError`. Only documents fetched from the configured URLs (and the `jwks_uri` a
   * configured issuer's discovery names) are stored, keyed by that URL, and each is checked
   * again when read. A failing or slow cache costs at most 500 ms per read or write and is
   * reported as a `key_cache_failed` key-source event; the keys are then fetched as without it.
   *
   * **Security:** whoever can write to this cache chooses the keys your app trusts: give it a
   * store only your app writes to.
   *
   * @example
   * ```ts
   * // Cloudflare Workers, Hono
   * app.use('/api/*', jwtAuth({ issuer, audience, keyCache: workersKeyCache(caches.default) }));
   * ```
   * @default none (each instance fetches its own keys)
   */
  keyCache?: KeyCache;
  /**
   * Signature implementation. `'auto'`: node:crypto where the runtime has it (Node, Bun, Deno,
   * Workers with `nodejs_compat`) for each key type whose built-in self-test it passes there
   * (checked once per process), WebCrypto for the others and where node:crypto is missing.
   * `'node'` or `'webcrypto'` force one for every key.
   * @default 'auto'
   */
  crypto?: CryptoPreference;
  /**
   * The canonical URL of this API or MCP endpoint, as clients name it (an OAuth 2.1 protected
   * resource: RFC 8707, RFC 9728). With it:
   * - without `audience`, tokens must be issued for this resource (`aud` compared as a URL:
   *   scheme and host case-insensitive, one trailing slash ignored);
   * - every 401/403 challenge carries `resource_metadata="…"`, the RFC 9728 metadata URL;
   * - `protectedResourceMetadata(options)` (every adapter) serves the metadata document.
   *
   * `https` is required (`http` only on loopback hosts); no query or fragment.
   * @example `resource: 'https://api.example.com/mcp'`
   * @see https://www.rfc-editor.org/rfc/rfc9728
   */
  resource?: string | URL;
  /**
   * `scopes_supported` of the protected resource metadata. By default, every scope named by a
   * scope guard created in this process (`requireScope`, `requireAnyScope`, decorators).
   */
  scopesSupported?: readonly string[];
  /** `resource_name` of the protected resource metadata: a human-readable name. */
  resourceName?: string;
  /** `resource_documentation` of the protected resource metadata: a URL of developer documentation. */
  resourceDocumentation?: string | URL;
  /**
   * Sender-constrained tokens (RFC 9449 DPoP). `'allowed'` accepts `Authorization: DPoP <token>`
   * with one `DPoP` proof header as well as Bearer; `'required'` refuses Bearer presentations;
   * an object sets `required`, `algorithms`, `maxAge`, `clockTolerance`, `nonce`, `publicUrl`
   * and `replay` (see {@link DpopOptions}). Whatever the setting, a DPoP-bound token (one with
   * `cnf.jkt`) presented as Bearer is refused (RFC 9449 §7.2).
   * @default false
   * @example `dpop: { required: true, publicUrl: 'https://api.example.com' }`
   * @see https://www.rfc-editor.org/rfc/rfc9449
   */
  dpop?: false | 'allowed' | 'required' | DpopOptions;
}
