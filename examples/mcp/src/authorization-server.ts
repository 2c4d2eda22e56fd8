import { generateKeyPairSync } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider, { errors } from 'oidc-provider';

/** A running authorization server (oidc-provider, OpenID Certified) on 127.0.0.1. */
export interface AuthorizationServer {
  /** Its issuer identifier, `http://127.0.0.1:<port>`. */
  readonly issuer: string;
  /** Stops it and closes every connection. */
  close(): Promise<void>;
}

/**
 * Starts oidc-provider on a free loopback port with what an MCP client needs: RFC 8414 and OIDC
 * discovery, open dynamic client registration (RFC 7591), the client credentials grant, and
 * RFC 8707 resource indicators issuing RFC 9068 JWT access tokens (ES256) whose `aud` is the
 * requested resource. `scopes` are the scopes it knows; `resources` maps each resource it
 * serves to the scopes it grants there (read at each token request, so resources may be added
 * later); any other resource is refused (`invalid_target`). A scope a resource does not list is
 * left out of its tokens. Registration is open to every scope it knows, whatever the client
 * asked for: the MCP SDK registers a client with the first scope it needs (the 401's `scope=`)
 * and steps up later, which an authorization server that holds clients to their registered
 * scopes (oidc-provider does) refuses with `invalid_scope`.
 */
export async function startAuthorizationServer({
  scopes,
  resources,
  accessTokenTTL = 300,
}: {
  scopes: readonly string[];
  resources: Readonly<Record<string, readonly string[]>>;
  /** Lifetime of the access tokens it issues, in seconds (short ones for tests of expiry). */
  accessTokenTTL?: number;
}): Promise<AuthorizationServer> {
  let handler: ReturnType<Provider['callback']> | undefined;
  const server = createServer(async (req, res) => {
    if (req.method === 'POST' && req.url === '/reg') await registerForEveryScope(req, scopes);
    handler!(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const key = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' });
  const provider = new Provider(issuer, {
    jwks: { keys: [{ ...key, alg: 'ES256', use: 'sig', kid: 'mcp-example' }] as never },
    scopes: ['openid', ...scopes],
    clientDefaults: { id_token_signed_response_alg: 'ES256' },
    ttl: { ClientCredentials: accessTokenTTL },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      registration: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => undefined as never,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, indicator) => {
          const granted = resources[indicator];
          if (!granted) throw new errors.InvalidTarget();
          return {
            scope: granted.join(' '),
            audience: indicator,
            accessTokenTTL,
            accessTokenFormat: 'jwt',
            jwt: { sign: { alg: 'ES256' } },
          };
        },
      },
    },
  });
  handler = provider.callback();
  return {
    issuer,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * Reads a registration request's JSON body and widens its `scope` to every scope this server
 * knows; oidc-provider then takes the parsed body (`req.body`) instead of the stream.
 */
async function registerForEveryScope(req: IncomingMessage, scopes: readonly string[]): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    // oidc-provider answers the malformed registration itself.
  }
  (req as IncomingMessage & { body?: unknown }).body = { ...body, scope: scopes.join(' ') };
}
