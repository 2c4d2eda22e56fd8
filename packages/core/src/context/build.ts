import type { Profile } from '../config/profiles.js';
import type { CryptoBackend } from '../crypto/index.js';
import type { VerificationKey } from '../keys/key-set.js';
import { collect } from '../policy/claim-paths.js';
import type { RevocationStore } from '../revocation/store.js';
import { deepFreeze, freezeParsed } from './immutable.js';
import type { AuthContext, JwtClaims, JwtHeader, PublicAuthContext } from './types.js';

/** Set by {@link VerifiedContext}'s static block: the only reader of its private origin. */
let readOrigin: (auth: object) => ContextOrigin | undefined;

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
  readonly #profile: Profile;
  #key: VerificationKey | undefined;
  readonly #verifier: VerifierLink;
  #scopes: ReadonlySet<string> | undefined;
  #roles: ReadonlySet<string> | undefined;

  /**
   * @param claims - what the `claims` schema returned (or `payload` itself without a schema).
   * @param payload - the verified payload as the token carried it: every policy reads this.
   * @param profile - the issuer profile that verified it (claim paths, key source, tolerance).
   * @param key - the key whose signature check passed (none for an introspected, opaque token).
   * @param verifier - what the verifier shares with its contexts (its revocation store).
   */
  constructor(
    token: string,
    header: JwtHeader,
    claims: C,
    payload: JwtClaims,
    profile: Profile,
    key: VerificationKey | undefined,
    verifier: VerifierLink,
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
    this.#profile = profile;
    this.#key = key;
    this.#verifier = verifier;
    Object.freeze(this);
  }

  get scopes(): ReadonlySet<string> {
    this.#scopes ??= collect(this.payload, this.#profile.scopeClaims, true);
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
    this.#roles ??= collect(this.payload, this.#profile.roleClaims, false);
    return this.#roles;
  }

  static {
    readOrigin = (auth) =>
      #profile in auth
        ? {
            profile: auth.#profile,
            revocation: auth.#verifier.revocation,
            backend: auth.#verifier.backend,
            key: auth.#key,
            rekey: (key) => {
              auth.#key = key;
            },
          }
        : undefined;
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

/** What a verifier shares with every context it builds (one object per verifier). */
export interface VerifierLink {
  /** The `revocation` store of the verifier's options. */
  readonly revocation: RevocationStore | undefined;
  /** The signature backend, to check the token again after a key-set change. */
  readonly backend: CryptoBackend;
}

/**
 * Where a verified context came from, as {@link originOf} reads it: reachable only through the
 * context's private fields, so an object that merely looks like a context (a JSON body, a copy
 * an app made) has no origin and nothing can be made to watch another store or key source.
 */
export interface ContextOrigin {
  /** The issuer profile that verified the token: its key source and clock tolerance. */
  readonly profile: Profile;
  /** The verifier's revocation store. */
  readonly revocation: RevocationStore | undefined;
  /** The verifier's signature backend. */
  readonly backend: CryptoBackend;
  /**
   * The key whose signature check passed (the latest one, after a key-set change); none for an
   * introspected, opaque token.
   */
  readonly key: VerificationKey | undefined;
  /**
   * Records that after a key-set change the token's signature is verified by `key` (the same key
   * material, imported again with the new set), so the next change compares with it.
   */
  rekey(key: VerificationKey): void;
}

/** The origin of a context a verifier built; `undefined` for anything else. */
export function originOf(auth: unknown): ContextOrigin | undefined {
  return typeof auth === 'object' && auth !== null ? readOrigin(auth) : undefined;
}
