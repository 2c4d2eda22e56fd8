/**
 * App-wide type registration. Declare your claims once and every adapter's `auth.claims` is
 * typed with them, without casts:
 *
 * @example
 * ```ts
 * declare module '@tokengate/core' {
 *   interface Register { claims: { sub: string; tenant: string } }
 * }
 * ```
 */
// biome-ignore lint/suspicious/noEmptyInterface: augmented by users (declaration merging)
export interface Register {}

/** The registered claim names of RFC 7519 §4.1, as they appear on a verified token. */
export interface StandardClaims {
  /** Issuer (RFC 7519 §4.1.1). */
  iss?: string;
  /** Subject (RFC 7519 §4.1.2). */
  sub?: string;
  /** Audience (RFC 7519 §4.1.3). */
  aud?: string | string[];
  /** Expiration time, seconds since the epoch (RFC 7519 §4.1.4). */
  exp?: number;
  /** Not-before time, seconds since the epoch (RFC 7519 §4.1.5). */
  nbf?: number;
  /** Issued-at time, seconds since the epoch (RFC 7519 §4.1.6). */
  iat?: number;
  /** JWT ID (RFC 7519 §4.1.7). */
  jti?: string;
}

/** Claims of a token when nothing narrower is known: the standard claims plus anything else. */
export interface JwtClaims extends StandardClaims {
  [claim: string]: unknown;
}

/** The protected header of a verified JWS. */
export interface JwtHeader {
  /** The signature algorithm (RFC 7515 §4.1.1). */
  alg: string;
  /** Key ID (RFC 7515 §4.1.4). */
  kid?: string;
  /** Media type of the token (RFC 7515 §4.1.9), e.g. `JWT` or `at+jwt`. */
  typ?: string;
  [parameter: string]: unknown;
}

/**
 * The claims type used where no schema narrows it: `Register['claims']` (merged with the
 * standard claims) when the app declared one, otherwise {@link JwtClaims}.
 */
export type RegisteredClaims = Register extends { claims: infer C } ? StandardClaims & C : JwtClaims;

/**
 * What a verified request carries: the adapters put it on `req.auth` (Express),
 * `ctx.state.auth` (Koa) and `c.var.auth` (Hono). It is immutable (frozen, with read-only
 * `scopes`/`roles`): requests that present the same token may share it, and nothing one request
 * does to it can be seen by another.
 *
 * @typeParam C - the claims type: from a `claims` schema, from {@link Register}, or {@link JwtClaims}.
 */
export interface AuthContext<C = RegisteredClaims> {
  /** The raw token as received (a compact JWS, or an opaque token). Never passed to hooks. */
  readonly token: string;
  /**
   * How the token was checked: `'jwt'`, a JWS verified here; `'opaque'`, a token the
   * authorization server vouched for by introspection (RFC 7662), whose answer is `payload`.
   */
  readonly tokenType: 'jwt' | 'opaque';
  /**
   * The verified protected header. An opaque token has none: an empty object (no `alg`).
   */
  readonly header: JwtHeader;
  /**
   * What the `claims` schema returned, typed by it (or by {@link Register}); without a schema, the
   * verified payload itself. A schema may drop or transform members (zod's `z.object` drops the
   * ones it does not list): read what you declared here, anything else from `payload`. Frozen.
   */
  readonly claims: C;
  /**
   * The verified payload exactly as the token carried it (for an opaque token, the members of
   * the introspection answer: `active`, `sub`, `scope`, `aud`, `exp`, `cnf`…), whatever the schema returned. Every
   * policy reads this, never `claims`: revocation (`jti`, `sub`, `iat`), scopes, roles,
   * `requiredClaims` and `requireClaims({ … })`, so a schema cannot switch a check off. Frozen.
   */
  readonly payload: JwtClaims;
  /** `sub`, when the token has one. */
  readonly subject: string | undefined;
  /** `iss` of the token. */
  readonly issuer: string | undefined;
  /**
   * Scopes granted: the union of `scope` and `scp` (or of the `scopeClaim` paths) of `payload`.
   * Read-only: `add`/`delete`/`clear` throw.
   */
  readonly scopes: ReadonlySet<string>;
  /**
   * Roles held: the union of `roles`, `role` and `groups` (or of the `rolesClaim` paths) of
   * `payload`. Read-only: `add`/`delete`/`clear` throw.
   */
  readonly roles: ReadonlySet<string>;
  /** Seconds since the epoch at which the token expires, when it has `exp`. */
  readonly expiresAt: number | undefined;
  /**
   * How the token is bound (RFC 9449): `'dpop'` when it names a key in `cnf.jkt` (the middleware
   * then checked the request's DPoP proof for that key), otherwise `'bearer'`.
   */
  readonly binding: 'bearer' | 'dpop';
  /** The RFC 7638 thumbprint of the key a DPoP-bound token is bound to (`cnf.jkt`). */
  readonly jkt: string | undefined;
}

/** An {@link AuthContext} without the raw token, as hooks receive it. */
export type PublicAuthContext<C = RegisteredClaims> = Omit<AuthContext<C>, 'token'>;
