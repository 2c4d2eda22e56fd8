import { type ClaimPaths, collect } from '../policy/claim-paths.js';
import { deepFreeze, freezeParsed } from './immutable.js';
import type { AuthContext, JwtClaims, JwtHeader, PublicAuthContext } from './types.js';

/**
 * The {@link AuthContext} the verifier builds. The verified-token cache hands the same context to
 * every request that presents the same token, so it is immutable: the object itself, `header`,
 * `payload` and `claims` are deep-frozen once, here (never per request), and `scopes`/`roles`
 * are read-only sets, computed on first use (most routes never read them) from `payload`.
 * `toJSON()` leaves out the raw token, so `res.json(req.auth)` or a logger cannot leak it.
 */
export class VerifiedContext<C> implements AuthContext<C> {
  readonly token: string;
  readonly tokenType: 'jwt' | 'opaque';
  readonly header: JwtHeader;
  readonly claims: C;
  readonly payload: JwtClaims;
  readonly subject: string | undefined;
  readonly issuer: string | undefined;
  readonly expiresAt: number | undefined;
  readonly #paths: { readonly scopeClaims: ClaimPaths; readonly roleClaims: ClaimPaths };
  #scopes: ReadonlySet<string> | undefined;
  #roles: ReadonlySet<string> | undefined;

  /**
   * @param claims - what the `claims` schema returned (or `payload` itself without a schema).
   * @param payload - the verified payload as the token carried it: every policy reads this.
   */
  constructor(
    token: string,
    header: JwtHeader,
    claims: C,
    payload: JwtClaims,
    paths: { readonly scopeClaims: ClaimPaths; readonly roleClaims: ClaimPaths },
    tokenType: 'jwt' | 'opaque' = 'jwt',
  ) {
    this.token = token;
    this.tokenType = tokenType;
    // The header comes frozen from the decoder (it is shared by every token of its spelling).
    this.header = Object.isFrozen(header) ? header : deepFreeze(header);
    // A payload frozen already was deep-frozen by `freezeParsed` (an introspection answer reused
    // from the cache): walking it again per request would cost more than the rest of a hit.
    this.payload = Object.isFrozen(payload) ? payload : freezeParsed(payload);
    this.claims = (claims as unknown) === payload ? (payload as C) : deepFreeze(claims);
    this.subject = typeof payload.sub === 'string' ? payload.sub : undefined;
    this.issuer = typeof payload.iss === 'string' ? payload.iss : undefined;
    this.expiresAt = typeof payload.exp === 'number' ? payload.exp : undefined;
    this.#paths = paths;
    Object.freeze(this);
  }

  get scopes(): ReadonlySet<string> {
    this.#scopes ??= collect(this.payload, this.#paths.scopeClaims, true);
    return this.#scopes;
  }

  get binding(): 'bearer' | 'dpop' {
    const cnf = this.payload.cnf;
    return typeof cnf === 'object' && cnf !== null && 'jkt' in cnf ? 'dpop' : 'bearer';
  }

  get jkt(): string | undefined {
    const jkt = (this.payload.cnf as { jkt?: unknown } | undefined)?.jkt;
    // A `cnf.jkt` that is not a string binds the token to no key at all: no proof can match it.
    return this.binding === 'dpop' ? (typeof jkt === 'string' ? jkt : '') : undefined;
  }

  get roles(): ReadonlySet<string> {
    this.#roles ??= collect(this.payload, this.#paths.roleClaims, false);
    return this.#roles;
  }

  /** A plain JSON view without the raw token; scopes and roles as arrays. */
  toJSON(): Record<string, unknown> {
    return { ...publicContext(this), scopes: [...this.scopes], roles: [...this.roles] };
  }
}

/**
 * The context without its raw token, as hooks receive it: a fresh frozen object whose members
 * are the context's own immutable ones.
 */
export function publicContext<C>(auth: AuthContext<C>): PublicAuthContext<C> {
  return Object.freeze({
    tokenType: auth.tokenType,
    header: auth.header,
    claims: auth.claims,
    payload: auth.payload,
    subject: auth.subject,
    issuer: auth.issuer,
    scopes: auth.scopes,
    roles: auth.roles,
    expiresAt: auth.expiresAt,
    binding: auth.binding,
    jkt: auth.jkt,
  });
}
