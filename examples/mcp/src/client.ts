import type {
  OAuthClientMetadata,
  OAuthClientProvider,
  StoredOAuthClientInformation,
  StoredOAuthTokens,
} from '@modelcontextprotocol/client';

/**
 * A non-interactive MCP client's OAuth side, for the MCP SDK's `authProvider`: it registers
 * itself dynamically (RFC 7591) for every scope it may ever ask for (`scope`), then uses the
 * client credentials grant with the scope the SDK chooses. The SDK does the rest: discovery from
 * the 401's `resource_metadata`, the first scope from the 401's `scope=`, the RFC 8707 `resource`
 * parameter, and the step-up on a 403 `insufficient_scope` (the union of its scopes and the
 * challenge's).
 */
export class ClientCredentialsClient implements OAuthClientProvider {
  /** What the authorization server registered (`client_id`, `client_secret`). */
  info: StoredOAuthClientInformation | undefined;
  /** The last tokens obtained. */
  saved: StoredOAuthTokens | undefined;
  readonly redirectUrl = undefined;
  readonly clientMetadata: OAuthClientMetadata;

  constructor(scope: string) {
    this.clientMetadata = {
      client_name: 'tokengate MCP example client',
      redirect_uris: [],
      grant_types: ['client_credentials'],
      response_types: [],
      token_endpoint_auth_method: 'client_secret_basic',
      scope,
    };
  }
  clientInformation() {
    return this.info;
  }
  saveClientInformation(info: StoredOAuthClientInformation) {
    this.info = info;
  }
  tokens() {
    return this.saved;
  }
  saveTokens(tokens: StoredOAuthTokens) {
    this.saved = tokens;
  }
  prepareTokenRequest(scope?: string) {
    const params = new URLSearchParams({ grant_type: 'client_credentials' });
    if (scope) params.set('scope', scope);
    return params;
  }
  redirectToAuthorization(): never {
    throw new Error('this client is not interactive');
  }
  saveCodeVerifier() {}
  codeVerifier(): never {
    throw new Error('this client is not interactive');
  }
}

/** One HTTP exchange made by the client. */
export interface Exchange {
  method: string;
  url: string;
  status: number;
  /** The response's `WWW-Authenticate`. */
  challenge: string | null;
  /** The request body, when it was a string or form. */
  requestBody: string | undefined;
}

/** A fetch that records every exchange (MCP, metadata, discovery, registration, token) in `log`. */
export function recordingFetch(log: Exchange[], onExchange?: (exchange: Exchange) => void): typeof fetch {
  return async (input, init) => {
    const response = await fetch(input, init);
    const exchange: Exchange = {
      method: init?.method ?? 'GET',
      url: String(input instanceof Request ? input.url : input),
      status: response.status,
      challenge: response.headers.get('www-authenticate'),
      requestBody: typeof init?.body === 'string' ? init.body : init?.body?.toString(),
    };
    log.push(exchange);
    onExchange?.(exchange);
    return response;
  };
}
