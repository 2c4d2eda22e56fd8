import type { RequestSettings } from '../config/settings.js';
import { publicContext } from '../context/build.js';
import type { AuthContext } from '../context/types.js';
import { AuthError, isAuthError } from '../errors/auth-error.js';
import { isFailOpen } from '../oauth/introspection/introspector.js';
import { type Verifier, verifyNow } from '../verifier.js';
import { callHook } from './hooks.js';
import { type AuthOutcome, attachOutcome } from './outcome.js';
import { checkBearerSyntax, extractToken, type RequestLike } from './token-sources.js';

/** Whether a request is a CORS preflight (`OPTIONS` with `Access-Control-Request-Method`). */
export function isPreflight(request: RequestLike): boolean {
  return request.method === 'OPTIONS' && request.header('access-control-request-method') !== undefined;
}

/**
 * Authenticates one request: finds the token (token sources or `getToken`), verifies it,
 * applies revocation, calls the hooks, and decides per `credentialsRequired` /
 * `invalidTokens`. Every adapter is a thin wrapper around this function.
 *
 * The outcome is also kept on `request.raw` (the framework's `req`, `ctx` or `c`), replacing an
 * earlier one: that record, read with `outcomeOf` (`@tokengate/core/adapter`) or
 * {@link checkRequest}, is the only context guards and decorators trust.
 *
 * @throws AuthError when the request must be refused (the adapter renders it).
 * @example
 * ```ts
 * const verifier = createVerifier({ secret });
 * const { auth } = await authenticate(verifier, {
 *   method: req.method, header: (name) => req.headers[name], raw: req,
 * });
 * ```
 */
export async function authenticate<C>(verifier: Verifier<C>, request: RequestLike): Promise<AuthOutcome<C>> {
  const settings = verifier.settings;
  if (isPreflight(request)) return attachOutcome(request.raw, undefined, undefined, settings);
  const dpop = settings.dpop;
  let scheme: 'bearer' | 'dpop' | undefined;
  let token: string | undefined;
  // Set while the token is being verified, when its RFC 6750 syntax was not checked yet: a
  // credential that is not one b64token is a malformed request (400), not a bad token.
  let checkSyntaxOnRefusal = false;
  try {
    let syntaxUnchecked = false;
    if (settings.getToken) {
      let value = settings.getToken(request.raw);
      if (value instanceof Promise) value = await value;
      if (typeof value === 'string' && value !== '') token = value;
    } else {
      const found = extractToken(
        request,
        settings.tokenSources,
        settings.maxTokenLength,
        true,
        dpop !== undefined,
      );
      token = found?.token;
      syntaxUnchecked = found?.syntaxUnchecked === true;
      if (found?.scheme === 'dpop') scheme = 'dpop';
    }
    if (token === undefined) {
      if (!settings.credentialsRequired) return attachOutcome(request.raw, undefined, undefined, settings);
      throw new AuthError('missing_token', 'no bearer token was sent');
    }
    scheme ??= 'bearer';
    if (scheme === 'bearer' && dpop?.required) {
      throw new AuthError('invalid_token', 'a DPoP-bound token and proof are required', {
        reason: 'dpop_required',
      });
    }
    // One try for the whole request: a refusal is thrown once, not caught and thrown again here.
    checkSyntaxOnRefusal = syntaxUnchecked;
    const auth: AuthContext<C> = await verifier.verify(token);
    checkSyntaxOnRefusal = false;
    // RFC 9449 §7: the proof is checked on every request, after the (possibly cached) token.
    if (scheme === 'dpop') {
      if (auth.binding !== 'dpop') {
        throw new AuthError('invalid_token', 'the token is not DPoP-bound', { reason: 'dpop_binding' });
      }
      await dpop!.check(request, token, auth.jkt!);
    } else if (auth.binding === 'dpop') {
      throw boundAsBearer();
    }
    return accepted(request, auth, settings);
  } catch (thrown) {
    return refused(thrown, request, settings, token, scheme, checkSyntaxOnRefusal);
  }
}

/**
 * {@link authenticate}, answering at once when it can: for a bearer token from the token sources
 * (no `getToken`, no DPoP) that the verifier holds in its cache and whose revocation check is
 * synchronous, the outcome itself; otherwise the promise `authenticate` returns. A refusal is
 * always a rejected promise. Adapters whose framework continues synchronously (a callback hook,
 * `next()`) use it so that a repeated token costs no promise; the cache differential tests run
 * every adapter on it against `cache: false`.
 */
export function authenticateNow<C>(
  verifier: Verifier<C>,
  request: RequestLike,
): AuthOutcome<C> | Promise<AuthOutcome<C>> {
  const settings = verifier.settings;
  if (settings.getToken !== undefined || settings.dpop !== undefined || isPreflight(request)) {
    return authenticate(verifier, request);
  }
  let found: ReturnType<typeof extractToken>;
  try {
    found = extractToken(request, settings.tokenSources, settings.maxTokenLength, true, false);
  } catch {
    return authenticate(verifier, request);
  }
  if (found === undefined) return authenticate(verifier, request);
  const token = found.token;
  const checkSyntax = found.syntaxUnchecked === true;
  const auth = verifyNow(verifier, token);
  if (auth instanceof Promise) {
    return auth.then(
      (verified) =>
        verified.binding === 'dpop'
          ? refused(boundAsBearer(), request, settings, token, 'bearer', false)
          : accepted(request, verified, settings),
      (thrown: unknown) => refused(thrown, request, settings, token, 'bearer', checkSyntax),
    );
  }
  if (auth.binding === 'dpop') return authenticate(verifier, request);
  return accepted(request, auth, settings);
}

function boundAsBearer(): AuthError {
  return new AuthError('invalid_token', 'a DPoP-bound token was presented as a bearer token', {
    reason: 'dpop_bound',
  });
}

/** An accepted request: `onAuthenticated`, then the outcome recorded on the request. */
function accepted<C>(request: RequestLike, auth: AuthContext<C>, settings: RequestSettings): AuthOutcome<C> {
  if (settings.onAuthenticated) {
    callHook(
      settings.onAuthenticated,
      { auth: publicContext(auth), request: request.raw },
      'onAuthenticated',
    );
  }
  return attachOutcome(request.raw, auth, undefined, settings);
}

/**
 * What a refusal of `token` (`thrown`) concludes: the outcome of a request let through
 * unauthenticated (`credentialsRequired: false`, `introspection.failOpen`), or the challenge-bearing
 * `AuthError` thrown for the adapter to render. Anything but an `AuthError` passes through.
 */
function refused<C>(
  thrown: unknown,
  request: RequestLike,
  settings: RequestSettings,
  token: string | undefined,
  scheme: 'bearer' | 'dpop' | undefined,
  checkSyntaxOnRefusal: boolean,
): AuthOutcome<C> {
  if (!isAuthError(thrown)) throw thrown;
  const dpop = settings.dpop;
  const caught = checkSyntaxOnRefusal ? malformedRequestOr(token!, thrown) : thrown;
  const error = caught.withChallenge(
    settings.realm,
    settings.resourceMetadata,
    dpop?.challenges[scheme ?? 'none'],
  );
  callHook(settings.onError, { error, request: request.raw }, 'onError');
  // `introspection.failOpen`: the server could not answer; through unauthenticated (no context).
  if (isFailOpen(caught)) return attachOutcome(request.raw, undefined, error, settings);
  if (!settings.credentialsRequired && settings.invalidTokens === 'anonymous' && error.status < 500) {
    return attachOutcome(request.raw, undefined, error, settings);
  }
  // Refused: an earlier jwtAuth's context must not survive on this request either.
  attachOutcome(request.raw, undefined, error, settings);
  throw error;
}

/** The 400 for a credential that is not one RFC 6750 b64token, else the verifier's refusal. */
function malformedRequestOr(token: string, refusal: AuthError): AuthError {
  try {
    checkBearerSyntax(token);
  } catch (error) {
    if (isAuthError(error)) return error;
    throw error;
  }
  return refusal;
}
