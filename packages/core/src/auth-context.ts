import type { AuthContext, JwtClaims, JwtHeader, PublicAuthContext } from './context.js';
import { type ClaimPaths, collect } from './scopes.js';

/**
 * The {@link AuthContext} the verifier builds. `scopes` and `roles` are computed on first use
 * (most routes never read them) and kept. `toJSON()` leaves out the raw token, so
 * `res.json(req.auth)` or a logger cannot leak it.
 */
export class VerifiedContext<C> implements AuthContext<C> {
  readonly token: string;
  readonly header: JwtHeader;
  readonly claims: C;
  readonly subject: string | undefined;
  readonly issuer: string | undefined;
  readonly expiresAt: number | undefined;
  readonly #payload: JwtClaims;
  readonly #paths: { readonly scopeClaims: ClaimPaths; readonly roleClaims: ClaimPaths };
  #scopes: ReadonlySet<string> | undefined;
  #roles: ReadonlySet<string> | undefined;

  constructor(
    token: string,
    header: JwtHeader,
    claims: C,
    payload: JwtClaims,
    paths: { readonly scopeClaims: ClaimPaths; readonly roleClaims: ClaimPaths },
  ) {
    this.token = token;
    this.header = header;
    this.claims = claims;
    this.subject = typeof payload.sub === 'string' ? payload.sub : undefined;
    this.issuer = typeof payload.iss === 'string' ? payload.iss : undefined;
    this.expiresAt = typeof payload.exp === 'number' ? payload.exp : undefined;
    this.#payload = payload;
    this.#paths = paths;
  }

  get scopes(): ReadonlySet<string> {
    this.#scopes ??= collect(this.#payload, this.#paths.scopeClaims, true);
    return this.#scopes;
  }

  get binding(): 'bearer' | 'dpop' {
    const cnf = this.#payload.cnf;
    return typeof cnf === 'object' && cnf !== null && 'jkt' in cnf ? 'dpop' : 'bearer';
  }

  get jkt(): string | undefined {
    const jkt = (this.#payload.cnf as { jkt?: unknown } | undefined)?.jkt;
    // A `cnf.jkt` that is not a string binds the token to no key at all: no proof can match it.
    return this.binding === 'dpop' ? (typeof jkt === 'string' ? jkt : '') : undefined;
  }

  get roles(): ReadonlySet<string> {
    this.#roles ??= collect(this.#payload, this.#paths.roleClaims, false);
    return this.#roles;
  }

  /** A plain JSON view without the raw token; scopes and roles as arrays. */
  toJSON(): Record<string, unknown> {
    return { ...publicContext(this), scopes: [...this.scopes], roles: [...this.roles] };
  }
}

/** The context without its raw token, as hooks receive it (a plain object). */
export function publicContext<C>(auth: AuthContext<C>): PublicAuthContext<C> {
  return {
    header: auth.header,
    claims: auth.claims,
    subject: auth.subject,
    issuer: auth.issuer,
    scopes: auth.scopes,
    roles: auth.roles,
    expiresAt: auth.expiresAt,
    binding: auth.binding,
    jkt: auth.jkt,
  };
}
