import { OAuthError, OAuthErrorCode } from '@modelcontextprotocol/server';
import type { AuthError } from '@tokengate/core';

/**
 * The MCP SDK's answer for a token tokengate refused. The SDK's gates (`requireBearerAuth`,
 * `bearerAuthChallengeResponse`) recognise only its own `OAuthError` (by brand, so a second copy
 * of the SDK still matches) and map its code to a status: `invalid_token` → 401 with the
 * `WWW-Authenticate` challenge, `server_error` → 500, any other code → 400, anything that is not
 * an `OAuthError` → 500 "Internal Server Error".
 *
 * - Every refusal of the token itself (401 `invalid_token`, whatever its `reason`, and a
 *   malformed token) → `invalid_token`: the client gets a 401 and may obtain a new token.
 * - A 503 (`key_source_unavailable`, `revocation_unavailable`): the SDK has no 503, and
 *   `temporarily_unavailable` would be answered 400 (the client's fault, not retried). The
 *   closest is `server_error` → 500, with tokengate's fixed sentence (never the key URL) as
 *   `error_description`, no challenge (no re-authorization: a new token would not help).
 *
 * The message is tokengate's, which never carries the token or a key; the `AuthError` stays
 * reachable as `cause` for logs.
 */
export function toOAuthError(error: AuthError): OAuthError {
  const code = error.status >= 500 ? OAuthErrorCode.ServerError : OAuthErrorCode.InvalidToken;
  const oauth = new OAuthError(code, error.message);
  Object.defineProperty(oauth, 'cause', { value: error, configurable: true, writable: true });
  return oauth;
}
