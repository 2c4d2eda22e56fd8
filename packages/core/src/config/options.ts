import type {
  AuthContext,
  JwtClaims,
  JwtHeader,
  PublicAuthContext,
  RegisteredClaims,
} from '../context/types.js';
import type { CryptoPreference } from '../crypto/index.js';
import type { AuthError } from '../errors/auth-error.js';
import type { KeySourceEventOption } from '../keys/remote/events.js';
import type { DpopOptions } from '../oauth/dpop/options.js';
import type { TokenSource } from '../request/token-sources.js';
import type { RevocationStore } from '../revocation/store.js';
import type { Algorithm } from '../token/algorithms.js';
import type { StandardSchemaV1 } from '../token/schema.js';
import type { Duration } from './duration.js';
import { nearestName } from './nearest.js';

/** An HMAC secret: a string (used as UTF-8 bytes) or raw bytes. */
export type Secret = string | Uint8Array;

/** What the `secret` function receives: the decoded, NOT yet verified token. */
export interface SecretLookupInput {
  /** The unverified protected header. */
  header: JwtHeader;
  /** The unverified claims. Use them only to choose a key (for example by `iss`). */
  payload: JwtClaims;
}

/**
 * A function that picks the HMAC secret(s) for a token, e.g. by `iss` in a multi-tenant app.
 * Returning `undefined` rejects the token as `unknown_key` (401); throwing is treated as the
 * app's bug and reaches the framework's error path unchanged.
 */
export type SecretResolver = (
  input: SecretLookupInput,
) => Secret | readonly Secret[] | undefined | Promise<Secret | readonly Secret[] | undefined>;

/** A public key: PEM text (SPKI or X.509 certificate), a JWK, a `CryptoKey` or a node `KeyObject`. */
export type PublicKeyInput = string | JsonWebKey | CryptoKey | KeyObjectLike;

/** The part of a node:crypto `KeyObject` tokengate relies on (no `node:` types needed). */
export interface KeyObjectLike {
  /** `'public'` (or `'private'`, whose public part is used). */
  type: string;
  /** Exports the key (used to import it into WebCrypto where node:crypto is absent). */
  export: (...args: any[]) => unknown;
}

/** A JSON Web Key Set (RFC 7517 §5). */
export interface JsonWebKeySet {
  keys: JsonWebKey[];
}

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
 * How one issuer's tokens are verified: key source, expected claims, algorithms. The top level
 * of {@link TokengateOptions} is one such profile; `issuers` lists several.
 */
export interface IssuerOptions {
  /**
   * HMAC secret, several secrets (during rotation any may verify), or a function of the
   * decoded token returning them. Strings are used as UTF-8 bytes and must be at least as long
   * as the hash (32 bytes for HS256, RFC 7518 §3.2).
   *
   * @example `secret: process.env.JWT_SECRET`
   */
  secret?: Secret | readonly Secret[] | SecretResolver;
  /** One public key: PEM (SPKI or certificate), JWK, `CryptoKey` or `KeyObject`. */
  publicKey?: PublicKeyInput;
  /** A local JSON Web Key Set; keys are selected by `kid`. Symmetric (`oct`) keys are refused. */
  jwks?: JsonWebKeySet;
  /**
   * URL of a remote JWKS, fetched lazily, cached, refreshed on an unknown `kid` (at most once
   * per `cooldownDuration`), and kept for `staleIfError` while the endpoint fails. `https:` is
   * required except on loopback hosts.
   */
  jwksUri?: string | URL;
  /**
   * Expected `iss` (exact, case-sensitive). Given without any key option, the keys come from
   * OIDC discovery (`{issuer}/.well-known/openid-configuration`, then RFC 8414).
   */
  issuer?: string | readonly string[];
  /** Expected `aud`: the token's `aud` (string or array) must contain one of these. */
  audience?: string | readonly string[];
  /**
   * Algorithms accepted. Defaults: `['HS256']` with `secret`; otherwise the algorithms the keys
   * declare or imply (RSA → RS256, EC → the curve's ES*, Ed25519 → EdDSA). `none` is never
   * accepted and an HMAC algorithm is never accepted with a public key.
   */
  algorithms?: readonly Algorithm[];
  /**
   * Clock skew allowed for `exp`, `nbf` and `iat`, in seconds or as `'30s'`. With a `revocation`
   * store it may be at most 300 s (the time revocation records outlive a token's `exp`).
   * @default 5
   */
  clockTolerance?: Duration;
  /** Reject tokens whose `iat` is older than this (tokens without `iat` are rejected). */
  maxTokenAge?: Duration;
  /** Reject tokens whose lifetime (`exp − iat`) exceeds this. */
  maxTokenLifetime?: Duration;
  /** Claims that must be present, in addition to `exp`. @example `['sub', 'jti']` */
  requiredClaims?: readonly string[];
  /**
   * Whether `exp` is required.
   * @default true
   * **Warning:** `false` accepts tokens that never expire.
   */
  requireExp?: boolean;
  /**
   * Expected `typ` header (compared case-insensitively, `application/` prefix optional), e.g.
   * `'at+jwt'` for RFC 9068 access tokens. By default `JWT`, `at+jwt` or no `typ` is accepted.
   */
  typ?: string | readonly string[];
  /** Where scopes live (a claim name or dotted path, or several). @default ['scope', 'scp'] */
  scopeClaim?: string | readonly string[];
  /** Where roles live (a claim name or dotted path, or several). @default ['roles', 'role', 'groups'] */
  rolesClaim?: string | readonly string[];
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
   */
  issuers?: readonly (IssuerOptions & { issuer: string })[];
  /**
   * A Standard Schema (zod, valibot, arktype…) that validates the claims; what it returns is
   * `auth.claims` (typed by it). It does not change policy: revocation, scopes, roles,
   * `requiredClaims` and guards read `auth.payload`, the verified payload as sent.
   */
  claims?: S;
  /**
   * Where to find the token, in order; the first source that holds one wins.
   * @default ['header']
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
   * A predicate that revokes a verified token (checked on cache hits too). Read identifiers from
   * `auth.payload`: `auth.claims` is what a `claims` schema kept.
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
  /** `realm` of the `WWW-Authenticate` challenge (omitted when unset). */
  realm?: string;
  /** Longest token accepted, in characters, checked before any parsing. @default 8192 */
  maxTokenLength?: number;
  /** Remote key fetch timeout, in ms. @default 5000 */
  timeoutDuration?: number;
  /** Least time between two fetches of a remote JWKS, in ms. @default 30000 */
  cooldownDuration?: number;
  /** How long a fetched JWKS is used before it is refreshed, in ms. @default 600000 */
  cacheMaxAge?: number;
  /** How long known keys keep working past `cacheMaxAge` while the endpoint fails, in ms. @default 86400000 (24 h) */
  staleIfError?: number;
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

/** Option names allowed inside an `issuers` entry (the {@link IssuerOptions}). */
export const ISSUER_OPTION_NAMES: ReadonlySet<string> = new Set([
  'secret',
  'publicKey',
  'jwks',
  'jwksUri',
  'issuer',
  'audience',
  'algorithms',
  'clockTolerance',
  'maxTokenAge',
  'maxTokenLifetime',
  'requiredClaims',
  'requireExp',
  'typ',
  'scopeClaim',
  'rolesClaim',
] satisfies (keyof IssuerOptions)[]);

/** Option names tokengate knows; any other name is a start-up `TypeError` (typo guard). */
export const OPTION_NAMES: ReadonlySet<string> = new Set([
  ...ISSUER_OPTION_NAMES,
  ...([
    'issuers',
    'claims',
    'tokenSources',
    'getToken',
    'credentialsRequired',
    'invalidTokens',
    'isRevoked',
    'revocation',
    'cache',
    'onAuthenticated',
    'onError',
    'realm',
    'maxTokenLength',
    'timeoutDuration',
    'cooldownDuration',
    'cacheMaxAge',
    'staleIfError',
    'warmup',
    'fetch',
    'crypto',
    'onKeySourceEvent',
    'resource',
    'scopesSupported',
    'resourceName',
    'resourceDocumentation',
    'dpop',
  ] satisfies (keyof TokengateOptions)[]),
]);

/** Throws a `TypeError` for option names tokengate does not know (typos). */
export function assertKnownOptions(options: object, known: ReadonlySet<string>, where: string): void {
  for (const name of Object.keys(options)) {
    if (!known.has(name)) {
      const hint = nearestName(name, known);
      const note = hint
        ? ` (did you mean "${hint}"?)`
        : known !== OPTION_NAMES && OPTION_NAMES.has(name)
          ? ' (it is a top-level option)'
          : '';
      throw new TypeError(`tokengate: unknown option "${name}" in ${where}${note}`);
    }
  }
}
