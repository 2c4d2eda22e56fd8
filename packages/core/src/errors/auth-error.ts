import { buildChallenge, buildDpopChallenge, type DpopChallenge } from './challenge.js';
import {
  type AuthErrorCode,
  type AuthErrorReason,
  BEARER_ERROR,
  type BearerErrorToken,
  STATUS,
  UNAVAILABLE,
} from './codes.js';

/**
 * `AuthError`, the one error of every request refusal: what a framework needs to answer it
 * (status, headers, a JSON body, `expose`), and a type guard that works across duplicate installs.
 * The codes it carries, and what each means on the wire, are in `codes.ts`.
 */

/** Options accepted by the {@link AuthError} constructor. */
export interface AuthErrorInit {
  /** Finer reason; see {@link AuthErrorReason}. */
  reason?: AuthErrorReason;
  /** The underlying error (for example a jose or network error), kept for logs. */
  cause?: unknown;
  /** `realm` for the `WWW-Authenticate` challenge. */
  realm?: string;
  /** Scopes a failed scope guard needed, announced as `scope="…"` (RFC 6750 §3). */
  scope?: readonly string[];
  /** For 503s: seconds after which the client may retry (`Retry-After`). */
  retryAfter?: number;
  /** RFC 9728 metadata URL announced as `resource_metadata="…"` (the `resource` option). */
  resourceMetadata?: string;
  /** With the `dpop` option: the `DPoP` challenge to announce (RFC 9449 §7.1). */
  dpop?: DpopChallenge;
  /** RFC 9449 §8: the nonce the client must put in its next proof, sent as `DPoP-Nonce`. */
  dpopNonce?: string;
}

const MARK = Symbol.for('tokengate.AuthError');

/**
 * The one error type of tokengate: every request-level failure (missing, malformed or invalid
 * token, failed guard, unavailable key source) is an `AuthError`.
 *
 * It carries what every framework needs to answer correctly: an HTTP {@link AuthError.status},
 * response {@link AuthError.headers} (the RFC 6750 `WWW-Authenticate` challenge, and
 * `Retry-After` on 503s), a stable {@link AuthError.code}, and `expose` (true below 500) so Koa's
 * and http-errors-aware handlers show 4xx messages. Messages describe what failed for a developer
 * and never contain the token or key material. A 503's message is a fixed sentence, because
 * frameworks show messages to clients (Express's default handler prints `err.stack` whenever
 * `NODE_ENV` is not `production`): what failed — the key source URL, the network error — is in
 * {@link AuthError.detail} and `cause`, for hooks and logs.
 *
 * @example
 * ```ts
 * import { isAuthError } from '@tokengate/core';
 * try { await verifier.verify(token); }
 * catch (e) { if (isAuthError(e) && e.reason === 'expired') refresh(); }
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3.1
 */
export class AuthError extends Error {
  override readonly name = 'AuthError';
  /** Stable machine-readable code. */
  readonly code: AuthErrorCode;
  /** Finer reason, when one applies (always set for `invalid_token`). */
  readonly reason: AuthErrorReason | undefined;
  /** HTTP status: 400, 401, 403 or 503. */
  readonly status: 400 | 401 | 403 | 503;
  /** Same as {@link AuthError.status}, for libraries that read `statusCode`. */
  readonly statusCode: 400 | 401 | 403 | 503;
  /** The RFC 6750 `error` token (absent when no credentials were sent, and on 503s). */
  readonly error: BearerErrorToken | undefined;
  /** `realm` announced in the challenge (the `realm` option), when set. */
  readonly realm: string | undefined;
  /**
   * Tells Koa and http-errors-aware handlers whether to show the message to clients: `true` for
   * 4xx, `false` for 503s (their message is generic anyway; the detail is in {@link AuthError.detail}).
   */
  readonly expose: boolean;
  /** Scopes a failed scope guard asked for. */
  readonly scope: readonly string[] | undefined;
  /** Seconds announced in `Retry-After` on 503s. */
  readonly retryAfter: number | undefined;
  /**
   * On 503s: what failed, for operators (it names the key source URL or the store, and the
   * network error). Never sent to clients, and not part of the message or the stack. `undefined`
   * on other statuses, whose message says it all.
   */
  readonly detail: string | undefined;
  /** The RFC 9728 metadata URL announced in the challenge (set by the `resource` option). */
  readonly resourceMetadata: string | undefined;
  /** The `DPoP` challenge announced next to (or instead of) the Bearer one, with the `dpop` option. */
  readonly dpop: DpopChallenge | undefined;
  /** RFC 9449 §8 nonce sent as `DPoP-Nonce` (on `use_dpop_nonce`). */
  readonly dpopNonce: string | undefined;
  #headers: Readonly<Record<string, string>> | undefined;

  /**
   * @param code - the stable code; it decides status and challenge.
   * @param message - a developer-facing description; must not contain the token. On 503s it
   *   becomes {@link AuthError.detail} and the message is a fixed sentence.
   * @param init - reason, cause, realm, scope, retryAfter.
   */
  constructor(code: AuthErrorCode, message: string, init: AuthErrorInit = {}) {
    // Refusing bad tokens is ordinary control flow and clients never see a stack, so none is
    // captured: it would dominate the cost of the rejection path (a flood of garbage tokens).
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    const status = STATUS[code];
    const generic = status === 503 ? (UNAVAILABLE[code] ?? 'temporarily unavailable') : undefined;
    super(generic ?? message, init.cause === undefined ? undefined : { cause: init.cause });
    Error.stackTraceLimit = limit;
    this.detail = generic === undefined ? undefined : message;
    this.code = code;
    this.reason = init.reason;
    this.status = status;
    this.statusCode = this.status;
    this.expose = this.status < 500;
    this.error = BEARER_ERROR[code];
    this.scope = init.scope;
    this.realm = init.realm;
    this.resourceMetadata = init.resourceMetadata;
    this.dpop = init.dpop;
    this.dpopNonce = init.dpopNonce;
    this.retryAfter = this.status === 503 ? Math.max(1, Math.ceil(init.retryAfter ?? 30)) : undefined;
    Object.defineProperty(this, MARK, { value: true });
  }

  /**
   * Response headers to send, as a plain object: `WWW-Authenticate` on 400/401/403 (RFC 6750 §3;
   * with the `dpop` option, the Bearer and/or `DPoP` challenges of RFC 9449 §7.1, the error on
   * the scheme the client used), `DPoP-Nonce` on `use_dpop_nonce`, and `Retry-After` on 503.
   */
  get headers(): Readonly<Record<string, string>> {
    if (this.#headers) return this.#headers;
    let headers: Record<string, string>;
    if (this.status === 503) headers = { 'Retry-After': String(this.retryAfter) };
    else {
      const dpop = this.dpop;
      const onDpop = dpop !== undefined && (dpop.scheme === 'dpop' || !dpop.bearer);
      const parts = {
        realm: this.realm,
        error: this.error,
        description: this.error ? this.message : undefined,
        scope: this.scope,
        resourceMetadata: this.resourceMetadata,
      };
      const bare = { realm: this.realm, resourceMetadata: this.resourceMetadata };
      const challenges: string[] = [];
      if (dpop === undefined || dpop.bearer) challenges.push(buildChallenge(onDpop ? bare : parts));
      if (dpop !== undefined) challenges.push(buildDpopChallenge(onDpop ? parts : bare, dpop.algorithms));
      headers = { 'WWW-Authenticate': challenges.join(', ') };
      if (this.dpopNonce !== undefined) headers['DPoP-Nonce'] = this.dpopNonce;
    }
    this.#headers = headers;
    return headers;
  }

  /**
   * A copy of this error that announces `realm` in its challenge. Returns `this` when the realm
   * is unchanged.
   */
  withRealm(realm: string | undefined): AuthError {
    return this.withChallenge(realm, this.resourceMetadata);
  }

  /**
   * A copy of this error whose challenge announces `realm` and `resource_metadata` (the
   * middleware's `realm` and `resource` options) and, with the `dpop` option, the `DPoP`
   * challenge. Returns `this` when nothing changes.
   */
  withChallenge(
    realm: string | undefined,
    resourceMetadata: string | undefined,
    dpop: DpopChallenge | undefined = this.dpop,
  ): AuthError {
    if (realm === this.realm && resourceMetadata === this.resourceMetadata && dpop === this.dpop) return this;
    const init: AuthErrorInit = { reason: this.reason, cause: this.cause, scope: this.scope };
    if (realm !== undefined) init.realm = realm;
    if (resourceMetadata !== undefined) init.resourceMetadata = resourceMetadata;
    if (dpop !== undefined) init.dpop = dpop;
    if (this.dpopNonce !== undefined) init.dpopNonce = this.dpopNonce;
    if (this.retryAfter !== undefined) init.retryAfter = this.retryAfter;
    return new AuthError(this.code, this.detail ?? this.message, init);
  }

  /**
   * A JSON body for this error: `{ error, code, error_description }` (and `reason` when set). On
   * 503s `error_description` is the generic message; {@link AuthError.detail} stays in server-side
   * logs.
   */
  toJSON(): AuthErrorBody {
    const body: AuthErrorBody = {
      error: this.error ?? (this.status === 503 ? 'temporarily_unavailable' : 'unauthorized'),
      code: this.code,
      error_description: this.message,
    };
    if (this.reason) body.reason = this.reason;
    return body;
  }
}

/** The JSON body that {@link AuthError.toJSON} and the adapters' error handlers render. */
export interface AuthErrorBody {
  /** RFC 6750 error token, or `unauthorized` / `temporarily_unavailable` when RFC 6750 has none. */
  error: string;
  /** {@link AuthErrorCode}. */
  code: AuthErrorCode;
  /** Human-readable description; never contains the token. */
  error_description: string;
  /** {@link AuthErrorReason}, when one applies. */
  reason?: AuthErrorReason;
}

/**
 * Type guard for {@link AuthError} that also recognises errors from another copy of
 * `@tokengate/core` (duplicate installs), so `instanceof` surprises cannot break error handling.
 *
 * @example
 * ```ts
 * app.use((err, req, res, next) => isAuthError(err) ? res.status(err.status).json(err.toJSON()) : next(err));
 * ```
 */
export function isAuthError(value: unknown): value is AuthError {
  return (
    value instanceof AuthError ||
    (typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[MARK] === true)
  );
}
