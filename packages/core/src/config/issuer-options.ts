/**
 * The options of one issuer profile (the top level, or an `issuers` entry) and the key types
 * they take. Their validation and defaults: `ISSUER_OPTIONS` in `declarations.ts`.
 */
import type { JwtClaims, JwtHeader } from '../context/types.js';
import type { IntrospectionOptions } from '../oauth/introspection/options.js';
import type { Algorithm } from '../token/algorithms.js';
import type { Duration } from './duration.js';

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

/**
 * A check of the decoded claims that the issuer's own libraries make (a `token_use`, a
 * `client_id`, an `azp`): `true` or `undefined` accepts; `false` or a string refuses the token
 * with 401 `invalid_token`, reason `claims`, the string being the message (it may reach a
 * client: never put a claim's value in it). Run on every token before the signature check, so it
 * must be a pure function of the claims (the verified-token cache reuses its answer).
 */
export type ClaimCheck = (claims: JwtClaims, header: JwtHeader) => boolean | string | undefined;

/** A JSON Web Key Set (RFC 7517 §5). */
export interface JsonWebKeySet {
  keys: JsonWebKey[];
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
   * URL of a remote X.509 certificate map, `{ "<kid>": "-----BEGIN CERTIFICATE-----…" }`, as
   * Google and Firebase publish their keys; fetched, cached and refreshed by the same rules as
   * `jwksUri`. Exclusive with the other public-key options; may stand beside `secret`.
   *
   * @example `certificatesUri: 'https://www.googleapis.com/robot/v1/metadata/x509/securetoken@system.gserviceaccount.com'`
   */
  certificatesUri?: string | URL;
  /**
   * Expected `iss` (exact, case-sensitive): one issuer, or several spellings of one issuer
   * sharing its key source (`['accounts.google.com', 'https://accounts.google.com']`). Given
   * without any key option, the keys come from OIDC discovery
   * (`{issuer}/.well-known/openid-configuration`, then RFC 8414), which needs exactly one.
   *
   * An issuer may be a **template** whose `{claim}` part must equal that claim of the token:
   * `https://login.microsoftonline.com/{tid}/v2.0` accepts a token whose `iss` is that URL with
   * its own `tid` in place (the claim's value must be URL-safe: letters, digits, `-._~`). A
   * template needs a key source (`jwksUri`, `certificatesUri`, `jwks`, `publicKey`, `secret`):
   * discovery per made-up tenant would let any token choose what we fetch.
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
  /**
   * Where scopes live: a claim name, a dotted path, or an RFC 6901 JSON Pointer starting with `/`
   * (for names that contain dots: `/resource_access/com.example.app/roles`), or several.
   * @default ['scope', 'scp']
   */
  scopeClaim?: string | readonly string[];
  /**
   * Where roles live: a claim name, a dotted path, or a JSON Pointer starting with `/`, or several.
   * @default ['roles', 'role', 'groups']
   */
  rolesClaim?: string | readonly string[];
  /**
   * Opaque access tokens (RFC 7662): a credential that is not a compact JWS (not three
   * dot-separated parts) is sent to the authorization server's introspection endpoint, whose
   * answer is checked as a JWT's claims are (`exp`, `aud` against `audience`/`resource`, `iss`
   * when present, `token_type`), cached by a hash of the token, and becomes the same
   * `AuthContext` (`tokenType: 'opaque'`). A JWS is still verified locally; without any local key
   * source (no `issuer`, no key option) every token is introspected. With `issuers`, one entry
   * at most may carry it: an opaque token does not say who issued it.
   *
   * `active: false` is 401 `invalid_token` (reason `inactive`); a server that cannot answer is
   * 503 `introspection_unavailable` with `Retry-After`, within `timeoutDuration`.
   * @example `introspection: { clientId: 'orders-api', clientSecret: process.env.INTROSPECTION_SECRET }`
   * @see https://www.rfc-editor.org/rfc/rfc7662
   */
  introspection?: IntrospectionOptions;
  /**
   * Checks of the decoded claims that refuse a token as 401 `invalid_token` (reason `claims`)
   * rather than as a 403 from a guard: what an identity provider's own libraries refuse (an ID
   * token where an access token belongs, another client's `client_id`). Presets set it; when you
   * add yours to a preset's, keep the preset's: `claimCheck: [...preset.claimCheck, mine]`.
   *
   * @example `claimCheck: (claims) => claims.token_use === 'access' || '"token_use" is not "access"'`
   */
  claimCheck?: ClaimCheck | readonly ClaimCheck[];
}

/** What an `issuers` function receives: the decoded, NOT yet verified token. */
export interface IssuerResolverInput {
  /** The token's `iss`. */
  iss: string;
  /** The unverified protected header. */
  header: JwtHeader;
  /** The unverified claims: use them only to choose the issuer's options. */
  payload: JwtClaims;
}

/**
 * `issuers` as a function: the options of the token's issuer, or `undefined` to refuse it.
 * Called once per `iss` (cached), so binding an issuer to a claim such as `tid` is a template's
 * job, not the resolver's.
 */
export type IssuerResolver = (
  input: IssuerResolverInput,
) => IssuerOptions | undefined | Promise<IssuerOptions | undefined>;
