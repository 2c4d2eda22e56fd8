// The Nest adapter's error path: a refusal becomes an HttpException (so Nest's own filters answer
// it, with its status and body, and do not log it as an unhandled error) that carries the core
// AuthError as `cause`; the challenge headers are on the response before it is thrown.

import { HttpException } from '@nestjs/common';
import { type AuthError, type AuthErrorBody, isAuthError } from '@tokengate/core';

/**
 * What a tokengate refusal is thrown as in Nest: an `HttpException` whose status is the
 * {@link AuthError}'s (400, 401, 403 or 503), whose response (`getResponse()`) is the JSON body
 * every tokengate adapter sends (`{ error, code, error_description, reason? }`), and whose
 * `cause` is the `AuthError` itself. By the time it is thrown, the response already carries
 * `WWW-Authenticate` (or `Retry-After`, `DPoP-Nonce`), so Nest's `BaseExceptionFilter`, and an
 * app's own filter that ends in `super.catch`, answer exactly as the other adapters do. Read the
 * `AuthError` with {@link authErrorOf}.
 *
 * @example
 * ```ts
 * @Catch()
 * class AllErrors extends BaseExceptionFilter {
 *   override catch(exception: unknown, host: ArgumentsHost) {
 *     const refusal = authErrorOf(exception);
 *     if (refusal) metrics.count(`auth.${refusal.code}`);
 *     super.catch(exception, host);
 *   }
 * }
 * ```
 */
export class TokengateException extends HttpException {
  /** The refusal, as the core made it (`code`, `reason`, `status`, `headers`). */
  declare readonly cause: AuthError;

  /** @param error - the core's refusal. */
  constructor(error: AuthError) {
    // A refusal is ordinary control flow and clients never see a stack: none is captured (as for
    // AuthError), which would dominate the cost of refusing a flood of bad tokens.
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
      super(error.toJSON(), error.status, { cause: error, description: error.message });
    } finally {
      Error.stackTraceLimit = limit;
    }
    this.name = 'TokengateException';
  }

  /** The JSON body sent with the refusal. */
  override getResponse(): AuthErrorBody {
    return super.getResponse() as AuthErrorBody;
  }
}

/**
 * The {@link AuthError} behind `exception`: the exception itself (an `AuthError` thrown by app
 * code, e.g. `getAuth()` of another adapter), or the `cause` of a {@link TokengateException} (what
 * tokengate's guard and `@Auth()` throw). Undefined for anything else. For exception filters.
 *
 * @example
 * ```ts
 * const refusal = authErrorOf(exception); // AuthError | undefined
 * ```
 */
export function authErrorOf(exception: unknown): AuthError | undefined {
  if (isAuthError(exception)) return exception;
  const cause = (exception as { cause?: unknown } | null)?.cause;
  return isAuthError(cause) ? cause : undefined;
}

/** A response whose headers can be set the same way on both platforms (`res.header`, `reply.header`). */
interface HeaderSink {
  header(name: string, value: string): unknown;
}

/**
 * Puts the refusal's headers (`WWW-Authenticate`, `Retry-After`, `DPoP-Nonce`) on `response` (an
 * Express `res` or a Fastify `reply`: both have `header(name, value)`) and returns the exception
 * to throw.
 */
export function refusal(error: AuthError, response: unknown): TokengateException {
  const sink = response as HeaderSink | undefined;
  if (typeof sink?.header === 'function') {
    for (const name in error.headers) sink.header(name, error.headers[name]!);
  }
  return new TokengateException(error);
}
