import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { JWK } from 'jose';

/**
 * Failure modes a {@link TestIssuerServer} can be switched into, to test how a verifier behaves
 * when its key source misbehaves.
 *
 * | fault | what the server does |
 * |---|---|
 * | `'down'` | destroys the socket of every request without answering (a network error) |
 * | `'slow'` | answers normally after `delayMs` (default 10 000 ms, longer than any sane fetch timeout) |
 * | `'5xx'` | `503` with a JSON error body |
 * | `'garbage'` | `200 application/json` whose body is truncated, unparseable JSON |
 * | `'non-json'` | `200 text/html` (a login page, as a misrouted proxy returns) |
 * | `'wrong-shape'` | `200` valid JSON of the wrong shape: `{"keys":{…}}` for the JWKS, an array for metadata |
 * | `'oversize'` | `200` valid JSON of about 1 MiB (a hostile or broken endpoint) |
 * | `'issuer-mismatch'` | metadata whose `issuer` is `https://wrong-issuer.example` (JWKS unaffected) |
 * | `'no-jwks-uri'` | metadata without `jwks_uri` (JWKS unaffected) |
 * | `null` | healthy again |
 */
export type TestIssuerFault =
  | 'down'
  | 'slow'
  | '5xx'
  | 'garbage'
  | 'non-json'
  | 'wrong-shape'
  | 'oversize'
  | 'issuer-mismatch'
  | 'no-jwks-uri';

/** Options of {@link TestIssuerServer.faults}`.set`. */
export interface FaultOptions {
  /**
   * For `'slow'`: how long each response is held back, in milliseconds.
   * @default 10000
   */
  delayMs?: number;
  /**
   * Which endpoints misbehave: the metadata documents, the JWKS, or both.
   * @default 'all'
   */
  endpoint?: 'all' | 'discovery' | 'jwks';
}

/** Options of {@link TestIssuer.listen}. */
export interface ListenOptions {
  /**
   * TCP port on 127.0.0.1; 0 picks a free one.
   * @default 0
   */
  port?: number;
  /**
   * Path of the issuer under the server, e.g. `'/tenant1'`: the issuer becomes
   * `http://127.0.0.1:PORT/tenant1` (when no `issuer` option was given) and the metadata is served
   * at `/tenant1/.well-known/openid-configuration` and, per RFC 8414 §3.1,
   * `/.well-known/oauth-authorization-server/tenant1`.
   * @default ''
   */
  path?: string;
  /**
   * Which metadata documents are served (the other answers 404), to test discovery fallbacks.
   * @default 'both'
   */
  metadata?: 'both' | 'openid-configuration' | 'oauth-authorization-server';
}

/** A running in-process identity provider; see {@link TestIssuer.listen}. */
export interface TestIssuerServer {
  /** Base URL, `http://127.0.0.1:PORT` (no trailing slash). */
  readonly url: string;
  /** The issuer announced in the metadata: the `issuer` option, else `url` + `path`. */
  readonly issuer: string;
  /** URL of the JSON Web Key Set, `url + '/jwks'` (also served at `/.well-known/jwks.json`). */
  readonly jwksUri: string;
  /** URL of the OpenID Connect discovery document for {@link TestIssuerServer.issuer}. */
  readonly discoveryUri: string;
  /** Switches failure modes on and off; see {@link TestIssuerFault}. */
  readonly faults: {
    /** Sets the current fault (`null` heals the server). Takes effect for the next request. */
    set(fault: TestIssuerFault | null, options?: FaultOptions): void;
    /** The current fault, or `null`. */
    readonly current: TestIssuerFault | null;
  };
  /**
   * Requests received per endpoint, to assert how often keys were fetched: `discovery` counts both
   * metadata locations (including one disabled by `metadata`, answered 404), `jwks` both JWKS
   * paths; faulted requests count too.
   */
  readonly stats: { readonly discovery: number; readonly jwks: number };
  /** Stops the server, dropping keep-alive connections and pending slow responses; never hangs. */
  close(): Promise<void>;
}

/** What the server needs from its issuer. */
export interface ServerSource {
  readonly alg: string;
  readonly jwks: { keys: JWK[] };
  /** The configured `issuer` option, if any. */
  readonly configuredIssuer: string | undefined;
}

const WRONG_ISSUER = 'https://wrong-issuer.example';
const JSON_TYPE = 'application/json';

/** Starts the HTTP server of a test issuer on 127.0.0.1. */
export async function startServer(
  source: ServerSource,
  options: ListenOptions = {},
): Promise<TestIssuerServer> {
  const path = normalizePath(options.path ?? '');
  const metadata = options.metadata ?? 'both';
  let fault: TestIssuerFault | null = null;
  let faultOptions: FaultOptions = {};
  const stats = { discovery: 0, jwks: 0 };
  const timers = new Set<NodeJS.Timeout>();
  let url = '';
  let issuer = '';

  const oidcPath = `${path}/.well-known/openid-configuration`;
  const oauthPath = `/.well-known/oauth-authorization-server${path}`;

  const document = (): unknown => ({
    issuer: fault === 'issuer-mismatch' ? WRONG_ISSUER : issuer,
    ...(fault === 'no-jwks-uri' ? {} : { jwks_uri: `${url}/jwks` }),
    id_token_signing_alg_values_supported: [source.alg],
    token_endpoint_auth_signing_alg_values_supported: [source.alg],
    response_types_supported: ['code'],
    subject_types_supported: ['public'],
  });

  /** The reply for a request, or `undefined` when the socket was destroyed or the reply is delayed. */
  const reply = (req: IncomingMessage, res: ServerResponse): Reply | undefined => {
    const pathname = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    let endpoint: 'discovery' | 'jwks' | undefined;
    if (pathname === oidcPath || pathname === oauthPath) endpoint = 'discovery';
    else if (pathname === '/jwks' || pathname === '/.well-known/jwks.json') endpoint = 'jwks';
    if (!endpoint) return [404, JSON_TYPE, '{"error":"not_found"}'];
    stats[endpoint]++;
    const disabled =
      (pathname === oidcPath && metadata === 'oauth-authorization-server') ||
      (pathname === oauthPath && metadata === 'openid-configuration');
    if (disabled) return [404, JSON_TYPE, '{"error":"not_found"}'];
    if (req.method !== 'GET' && req.method !== 'HEAD')
      return [405, JSON_TYPE, '{"error":"method_not_allowed"}'];
    const target = faultOptions.endpoint ?? 'all';
    const active = fault && (target === 'all' || target === endpoint) ? fault : null;
    const body = (): string => JSON.stringify(endpoint === 'jwks' ? source.jwks : document());
    switch (active) {
      case 'down':
        req.socket.destroy();
        return undefined;
      case 'slow': {
        const timer = setTimeout(() => {
          timers.delete(timer);
          if (!res.destroyed) send(res, [200, JSON_TYPE, body()]);
        }, faultOptions.delayMs ?? 10_000);
        timers.add(timer);
        return undefined;
      }
      case '5xx':
        return [503, JSON_TYPE, '{"error":"temporarily_unavailable"}'];
      case 'garbage':
        return [200, JSON_TYPE, body().slice(0, 20)];
      case 'non-json':
        return [200, 'text/html; charset=utf-8', '<!doctype html><title>Sign in</title><h1>Sign in</h1>'];
      case 'wrong-shape':
        return [200, JSON_TYPE, endpoint === 'jwks' ? '{"keys":{"kty":"RSA"}}' : '["issuer"]'];
      case 'oversize':
        return [200, JSON_TYPE, JSON.stringify({ keys: [], padding: 'x'.repeat(1024 * 1024) })];
      default:
        return [200, JSON_TYPE, body()];
    }
  };

  const server = createServer((req, res) => {
    const answer = reply(req, res);
    if (answer) send(res, answer);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  issuer = source.configuredIssuer ?? url + path;
  let closing: Promise<void> | undefined;

  return {
    url,
    issuer,
    jwksUri: `${url}/jwks`,
    discoveryUri: `${url}${oidcPath}`,
    faults: {
      set(next, opts = {}) {
        fault = next;
        faultOptions = opts;
      },
      get current() {
        return fault;
      },
    },
    stats: {
      get discovery() {
        return stats.discovery;
      },
      get jwks() {
        return stats.jwks;
      },
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        for (const timer of timers) clearTimeout(timer);
        timers.clear();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

/** `[status, content-type, body]`. */
type Reply = [status: number, type: string, body: string];

function send(res: ServerResponse, [status, type, body]: Reply): void {
  const headers: Record<string, string> = { 'content-type': type, 'cache-control': 'no-store' };
  if (status === 405) headers.allow = 'GET, HEAD';
  res.writeHead(status, headers);
  res.end(body);
}

function normalizePath(path: string): string {
  if (path === '' || path === '/') return '';
  if (!path.startsWith('/') || path.endsWith('/') || /[?#]/.test(path)) {
    throw new TypeError(
      `listen({ path }) must start with '/', not end with '/', and hold no query (got ${path})`,
    );
  }
  return path;
}
