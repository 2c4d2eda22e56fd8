// The Fastify adapter's error path: a refusal answered under Fastify's default handler, or handed
// to the app's own (`setErrorHandler`, a route's `errorHandler`).
import { type AuthError, isAuthError } from '@tokengate/core';
import { answersRefusals } from '@tokengate/core/adapter';
import type {
  FastifyError,
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  HookHandlerDoneFunction,
} from 'fastify';

/** An error handler, as `setErrorHandler` takes it. */
export type ErrorHandler = (
  this: FastifyInstance,
  error: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
) => unknown;

/**
 * An error handler for `setErrorHandler` that renders tokengate errors as JSON
 * (`{ error, code, error_description, reason? }`, the body of every tokengate adapter) with their
 * status and `WWW-Authenticate`/`Retry-After` headers. Other errors go to `otherwise` when given
 * (your own handler), else are answered as Fastify's default handler does.
 *
 * Without any `setErrorHandler`, `jwtAuth()` and the guards already answer this way; use this when
 * the app has an error handler of its own and should keep tokengate's answer.
 *
 * @example
 * ```ts
 * app.setErrorHandler(authErrorHandler((error, request, reply) => reply.code(500).send({ message: 'internal error' })));
 * ```
 */
export function authErrorHandler(otherwise?: ErrorHandler): ErrorHandler {
  return function tokengateErrorHandler(error, request, reply) {
    if (isAuthError(error)) return send(error, reply);
    if (otherwise) return otherwise.call(this, error, request, reply);
    return reply.send(error);
  };
}

function send(error: AuthError, reply: FastifyReply): FastifyReply {
  return reply.code(error.status).headers(error.headers).send(error.toJSON());
}

/**
 * Answers `error` here when the route's context has Fastify's default error handler (which would
 * render its own `{ statusCode, code, error, message }` body), or always with `refusals:
 * 'respond'`: the body every tokengate adapter sends, logged as that handler logs. False when the
 * app has an error handler of its own (it must see the error) or the reply is already sent.
 */
export function answer(error: AuthError, request: FastifyRequest, reply: FastifyReply): boolean {
  // An app's handler is stored bound (`bound name`), so only Fastify's own carries this name.
  if (reply.sent) return false;
  if (!answersRefusals(request) && request.server.errorHandler.name !== 'defaultErrorHandler') return false;
  reply.code(error.status).headers(error.headers);
  if (request.server.initialConfig.disableRequestLogging !== true) {
    if (error.status >= 500) reply.log.error({ req: request, res: reply, err: error }, error.message);
    else reply.log.info({ res: reply, err: error }, error.message);
  }
  reply.send(error.toJSON());
  return true;
}

/**
 * Where a failure goes: a tokengate refusal is answered by {@link answer} when the app has no
 * error handler; otherwise it, and anything that is not a refusal (a throwing `secret` function:
 * the app's bug, not the client's), goes to Fastify's error path through `done`.
 */
export function fail(
  error: unknown,
  request: FastifyRequest,
  reply: FastifyReply,
  done: HookHandlerDoneFunction,
): void {
  if (!isAuthError(error) || !answer(error, request, reply)) done(error as Error);
}

/**
 * The route-level error handler the plugin gives routes that have none: an {@link AuthError} is
 * answered by {@link answer} when the scope's handler is Fastify's default; anything else, and
 * every error when the app has a handler of its own, goes on to that handler (`reply.send(error)`
 * passes an `Error` to the next handler; a thrown non-`Error` value would be sent as a payload, so
 * it is handed to the scope's handler directly, as Fastify would have).
 */
export function routeErrorHandler(
  error: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
): unknown {
  if (isAuthError(error) && answer(error, request, reply)) return undefined;
  if (error instanceof Error) return reply.send(error);
  return request.server.errorHandler(error, request, reply);
}
