import { publicContext } from '../context/build.js';
import type { AuthContext } from '../context/types.js';
import { AuthError, isAuthError } from '../errors/auth-error.js';
import { rememberAnonymousChallenge, rememberChallenge } from '../policy/guards.js';
import type { Verifier } from '../verifier.js';
import { callHook } from './hooks.js';
import { checkBearerSyntax, extractToken, type RequestLike } from './token-sources.js';

/**
 * What {@link authenticate} concluded about a request.
 * - `auth` set: authenticated.
 * - `auth` undefined, `error` undefined: no credentials, allowed by `credentialsRequired: false`
 *   (or a CORS preflight, which always passes untouched).
 * - `auth` undefined, `error` set: a bad token let through by `invalidTokens: 'anonymous'`.
 *
 * An adapter stores both fields, always, in its framework's slots (`req.auth`/`req.authError`,
 * `ctx.state.auth`/`ctx.state.authError`, `c.var.auth`/`c.var.authError`), undefined ones
 * included: after a `jwtAuth` runs, the slots hold exactly what it concluded, and an earlier
 * `jwtAuth`'s context never survives a later one that did not authenticate.
 */
export interface AuthOutcome<C> {
  readonly auth: AuthContext<C> | undefined;
  readonly error: AuthError | undefined;
}

const PASS: AuthOutcome<never> = Object.freeze({ auth: undefined, error: undefined });

/** Whether a request is a CORS preflight (`OPTIONS` with `Access-Control-Request-Method`). */
export function isPreflight(request: RequestLike): boolean {
  return request.method === 'OPTIONS' && request.header('access-control-request-method') !== undefined;
}

/**
 * Authenticates one request: finds the token (token sources or `getToken`), verifies it,
 * applies revocation, calls the hooks, and decides per `credentialsRequired` /
 * `invalidTokens`. Every adapter is a thin wrapper around this function.
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
  if (isPreflight(request)) return PASS;
  const dpop = settings.dpop;
  let scheme: 'bearer' | 'dpop' | undefined;
  try {
    let token: string | undefined;
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
      if (!settings.credentialsRequired) {
        rememberAnonymousChallenge(request.raw, settings);
        return PASS;
      }
      throw new AuthError('missing_token', 'no bearer token was sent');
    }
    scheme ??= 'bearer';
    if (scheme === 'bearer' && dpop?.required) {
      throw new AuthError('invalid_token', 'a DPoP-bound token and proof are required', {
        reason: 'dpop_required',
      });
    }
    let auth: AuthContext<C>;
    try {
      auth = await verifier.verify(token);
    } catch (error) {
      // A credential that is not one b64token is a malformed request (400), not a bad token.
      if (syntaxUnchecked && isAuthError(error)) checkBearerSyntax(token);
      throw error;
    }
    // RFC 9449 §7: the proof is checked on every request, after the (possibly cached) token.
    if (scheme === 'dpop') {
      if (auth.binding !== 'dpop') {
        throw new AuthError('invalid_token', 'the token is not DPoP-bound', { reason: 'dpop_binding' });
      }
      await dpop!.check(request, token, auth.jkt!);
    } else if (auth.binding === 'dpop') {
      throw new AuthError('invalid_token', 'a DPoP-bound token was presented as a bearer token', {
        reason: 'dpop_bound',
      });
    }
    rememberChallenge(auth, settings);
    if (settings.onAuthenticated) {
      callHook(
        settings.onAuthenticated,
        { auth: publicContext(auth), request: request.raw },
        'onAuthenticated',
      );
    }
    return { auth, error: undefined };
  } catch (caught) {
    if (!isAuthError(caught)) throw caught;
    const error = caught.withChallenge(
      settings.realm,
      settings.resourceMetadata,
      dpop?.challenges[scheme ?? 'none'],
    );
    callHook(settings.onError, { error, request: request.raw }, 'onError');
    if (!settings.credentialsRequired && settings.invalidTokens === 'anonymous' && error.status < 500) {
      rememberAnonymousChallenge(request.raw, settings);
      return { auth: undefined, error };
    }
    throw error;
  }
}
