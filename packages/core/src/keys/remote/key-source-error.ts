/**
 * Why fetching remote keys failed: the error kinds, and the error that carries one (the `cause` of
 * a `key_source_unavailable` refusal and the subject of key-source events).
 */

/**
 * What went wrong with a key source, as {@link KeySourceError.kind}:
 *
 * | kind | meaning |
 * |---|---|
 * | `network` | the request failed (connection refused or reset, DNS, TLS) |
 * | `timeout` | no complete answer within `timeoutDuration` |
 * | `http_status` | a status other than 2xx (redirects are not followed) |
 * | `too_large` | the body is larger than the cap (512 KiB) |
 * | `not_json` | the body is not JSON |
 * | `wrong_shape` | JSON, but not a key set / metadata object (`keys` not an array, …) |
 * | `issuer_mismatch` | discovery metadata names another `issuer` |
 * | `no_jwks_uri` | discovery metadata has no usable `jwks_uri` |
 * | `insecure_url` | discovery metadata's `jwks_uri` is neither https nor loopback |
 */
export type KeySourceErrorKind =
  | 'network'
  | 'timeout'
  | 'http_status'
  | 'too_large'
  | 'not_json'
  | 'wrong_shape'
  | 'issuer_mismatch'
  | 'no_jwks_uri'
  | 'insecure_url';

/**
 * Why a JWKS or discovery fetch failed. It is the `cause` of the
 * `AuthError('key_source_unavailable')` that callers see, and it is what `onEvent` reports. Its
 * message names the URL and the defect and never contains response bodies or key material.
 *
 * @example
 * ```ts
 * catch (e) { if (isAuthError(e) && e.cause instanceof KeySourceError) log(e.cause.kind, e.cause.url); }
 * ```
 */
export class KeySourceError extends Error {
  override readonly name = 'KeySourceError';
  /** The defect; see {@link KeySourceErrorKind}. */
  readonly kind: KeySourceErrorKind;
  /** The URL that was fetched. */
  readonly url: string;
  /** HTTP status, for `http_status`. */
  readonly status: number | undefined;

  constructor(
    kind: KeySourceErrorKind,
    url: string,
    message: string,
    init: { status?: number; cause?: unknown } = {},
  ) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    this.kind = kind;
    this.url = url;
    this.status = init.status;
  }
}
