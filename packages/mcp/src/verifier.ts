import type { AuthInfo, OAuthTokenVerifier } from '@modelcontextprotocol/server';
import {
  type AuthContext,
  AuthError,
  type ClaimsOf,
  createVerifier,
  isAuthError,
  resourceMetadataUrl,
  type StandardSchemaV1,
  type TokengateOptions,
} from '@tokengate/core';
import { callHook, publicContext } from '@tokengate/core/adapter';
import { toOAuthError } from './oauth-error.js';

/**
 * Options of {@link mcpTokenVerifier}: tokengate's options (keys, `issuer`, `claims`, revocation,
 * hooks…) with `resource` required. The options that decide how a request carries its token are
 * left out, since the MCP SDK's gate reads the `Authorization: Bearer` header itself:
 * `tokenSources`, `getToken`, `credentialsRequired`, `invalidTokens` and `dpop` (the gate has no
 * way to hand over a DPoP proof). `requireExp: false` is refused too: the SDK refuses every token
 * without `exp`.
 *
 * @typeParam S - a Standard Schema for the claims (zod, valibot, arktype…), if any.
 */
export interface McpTokenVerifierOptions<S extends StandardSchemaV1 | undefined = undefined>
  extends Omit<
    TokengateOptions<S, undefined>,
    'resource' | 'tokenSources' | 'getToken' | 'credentialsRequired' | 'invalidTokens' | 'dpop'
  > {
  /**
   * The canonical URL of this MCP endpoint (RFC 8707 / RFC 9728), e.g.
   * `https://mcp.example.com/mcp`. Without `audience`, a token's `aud` must name it; it is also
   * `AuthInfo.resource`, so the SDK's `expectedResource` check agrees.
   * @example `resource: 'https://mcp.example.com/mcp'`
   */
  resource: string | URL;
}

/**
 * The MCP SDK v2's `OAuthTokenVerifier`, verifying with tokengate. Give it to the SDK's gates:
 * `requireBearerAuth` (`@modelcontextprotocol/express`, or `@modelcontextprotocol/server` for
 * web-standard hosts) or `verifyBearerToken`.
 *
 * @typeParam C - the claims type of {@link McpTokenVerifier.authContext}'s contexts.
 */
export interface McpTokenVerifier<C = ClaimsOf<undefined>> extends OAuthTokenVerifier {
  /**
   * Verifies `token` (signature, `iss`, `aud` = the resource, times, `claims` schema,
   * revocation) and returns the SDK's `AuthInfo`: `token`, `clientId` (the `client_id` claim,
   * else `azp`, else `''`), `scopes` (an array), `expiresAt` (`exp`, seconds), `resource` (a
   * `URL` of the `resource` option), `resourceMetadataUrl` (its RFC 9728 metadata URL).
   *
   * @throws OAuthError (the SDK's) `invalid_token` for a refused token (401 from the gate), or
   * `server_error` when keys or the revocation store cannot be reached (500 from the gate: the
   * SDK answers no 503). Any other error (a bug in a `secret` function) is passed on unchanged.
   */
  verifyAccessToken(token: string): Promise<AuthInfo>;
  /**
   * The tokengate context of a token this verifier accepted (typed claims, `subject`, `scopes`
   * as a set, `roles`, `payload`), from the `AuthInfo` the SDK hands to tools
   * (`ctx.http?.authInfo`). `undefined` for an `AuthInfo` this verifier did not make.
   *
   * @example
   * ```ts
   * server.registerTool('whoami', {}, (ctx) => {
   *   const auth = verifier.authContext(ctx.http?.authInfo);
   *   return { content: [{ type: 'text', text: auth?.subject ?? 'nobody' }] };
   * });
   * ```
   */
  authContext(authInfo: AuthInfo | undefined): AuthContext<C> | undefined;
  /** Loads keys now (discovery and remote JWKS included); rejects with what went wrong. For start-up. */
  ready(): Promise<void>;
}

const REQUEST_OPTIONS = {
  tokenSources: "the MCP SDK's gate reads the Authorization header itself",
  getToken: "the MCP SDK's gate reads the Authorization header itself",
  credentialsRequired: "the MCP SDK's gate refuses every request without a token",
  invalidTokens: "the MCP SDK's gate refuses every bad token",
  dpop: "the MCP SDK's gate passes the token alone, never a DPoP proof",
} as const;

function validateMcpOptions(options: object): void {
  if (typeof options !== 'object' || options === null)
    throw new TypeError('@tokengate/mcp: options must be an object');
  for (const [name, why] of Object.entries(REQUEST_OPTIONS)) {
    if ((options as Record<string, unknown>)[name] !== undefined)
      throw new TypeError(`@tokengate/mcp: "${name}" does not apply to mcpTokenVerifier: ${why}`);
  }
  const { resource, requireExp, issuers } = options as McpTokenVerifierOptions<undefined>;
  if (resource === undefined)
    throw new TypeError('@tokengate/mcp: "resource" is required: the canonical URL of this MCP endpoint');
  const noExp =
    requireExp === false || (Array.isArray(issuers) && issuers.some((i) => i.requireExp === false));
  if (noExp)
    throw new TypeError(
      '@tokengate/mcp: "requireExp: false" cannot work: the MCP SDK refuses tokens without exp',
    );
}

/**
 * The MCP SDK v2's `OAuthTokenVerifier` on tokengate's verifier: JWT access tokens checked
 * against your authorization server's keys, with the audience bound to the MCP server's
 * `resource` (tokens issued for another resource are refused), refusals as the SDK's own
 * `OAuthError`, and `AuthInfo` filled as the SDK defines it. Options are validated here (a
 * `TypeError` at start-up).
 *
 * @example
 * ```ts
 * import { requireBearerAuth } from '@modelcontextprotocol/express';
 * import { resourceMetadataUrl } from '@tokengate/core';
 * import { mcpTokenVerifier } from '@tokengate/mcp';
 *
 * const resource = 'https://mcp.example.com/mcp';
 * const verifier = mcpTokenVerifier({ issuer: 'https://idp.example.com/', resource });
 * app.post('/mcp', requireBearerAuth({ verifier, resourceMetadataUrl: resourceMetadataUrl(resource) }), mcp);
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc8707
 */
export function mcpTokenVerifier<S extends StandardSchemaV1 | undefined = undefined>(
  options: McpTokenVerifierOptions<S>,
): McpTokenVerifier<ClaimsOf<S>> {
  validateMcpOptions(options);
  const verifier = createVerifier(options as TokengateOptions<S>);
  const { onAuthenticated, onError } = options;
  const resource = String(options.resource);
  const metadataUrl = resourceMetadataUrl(resource);
  // `extra` is the one member the SDK's gates keep by reference when they copy an AuthInfo.
  const contexts = new WeakMap<object, AuthContext<ClaimsOf<S>>>();

  async function verifyAccessToken(token: string): Promise<AuthInfo> {
    let auth: AuthContext<ClaimsOf<S>>;
    try {
      auth = await verifier.verify(token);
      // RFC 9449 §7.2: a DPoP-bound token presented as a bearer token (the SDK's gate only knows Bearer).
      if (auth.binding === 'dpop')
        throw new AuthError('invalid_token', 'a DPoP-bound token was presented as a bearer token', {
          reason: 'dpop_bound',
        });
    } catch (error) {
      if (!isAuthError(error)) throw error;
      const refused = error.withChallenge(options.realm, metadataUrl);
      callHook(onError, { error: refused, request: undefined }, 'onError');
      throw toOAuthError(refused);
    }
    if (onAuthenticated)
      callHook(onAuthenticated, { auth: publicContext(auth), request: undefined }, 'onAuthenticated');
    const { client_id: clientId, azp } = auth.payload;
    const extra: Record<string, unknown> = {};
    if (auth.subject !== undefined) extra.subject = auth.subject;
    if (auth.issuer !== undefined) extra.issuer = auth.issuer;
    contexts.set(extra, auth);
    return {
      token,
      clientId: typeof clientId === 'string' ? clientId : typeof azp === 'string' ? azp : '',
      scopes: [...auth.scopes],
      expiresAt: auth.expiresAt as number, // required by the verifier (`requireExp: false` is refused)
      resource: new URL(resource), // a fresh URL each time: a handler that mutates it changes nothing else
      resourceMetadataUrl: metadataUrl,
      extra,
    };
  }

  return {
    verifyAccessToken,
    authContext: (authInfo) => (authInfo?.extra === undefined ? undefined : contexts.get(authInfo.extra)),
    ready: () => verifier.ready(),
  };
}
