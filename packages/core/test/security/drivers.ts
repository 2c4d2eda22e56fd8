/**
 * Drivers for the attack corpus: the core verifier itself, and any HTTP app given as a Node
 * request listener (Express `app`, Koa `app.callback()`, Hono `getRequestListener(app.fetch)`).
 */
import { createServer, type RequestListener, type Server, type ServerOptions } from 'node:http';
import { connect } from 'node:net';
import request from 'supertest';
import {
  type AuthError,
  authenticate,
  createVerifier,
  isAuthError,
  type RequestLike,
  type TokengateOptions,
} from '../../src/index.js';
import {
  type AttackDriver,
  type AttackInput,
  type AttackOutcome,
  type AttackSession,
  headerLines,
  summarizeAuth,
} from './attacks.js';
import type { AttackKit } from './kit.js';

/** Every piece of text an error exposes: message, cause message, JSON body, header values. */
export function errorTexts(error: AuthError): string[] {
  const texts = [error.message, JSON.stringify(error.toJSON()), ...Object.values(error.headers)];
  const cause = error.cause as { message?: unknown } | undefined;
  if (cause && typeof cause.message === 'string') texts.push(cause.message);
  if (error.stack) texts.push(error.stack);
  return texts;
}

/** A core `RequestLike` made of raw header lines (what an adapter builds from a request). */
export function requestFromLines(lines: ReadonlyArray<readonly [string, string]>): RequestLike {
  const values = (name: string) => lines.filter(([n]) => n.toLowerCase() === name).map(([, v]) => v);
  return {
    method: 'GET',
    url: '/protected',
    raw: { lines },
    header: (name) => {
      const found = values(name);
      return found.length === 0 ? undefined : found.join(', ');
    },
    authorizationLines: () => values('authorization').length,
  };
}

/**
 * Runs attacks through the core: a token goes to `verifier.verify()`, header lines go to
 * `authenticate()` (the function every adapter wraps).
 */
export function coreDriver(
  crypto: 'node' | 'webcrypto',
  extra: Partial<TokengateOptions> = {},
): AttackDriver {
  return {
    name: `core (${crypto})`,
    layer: 'core',
    reportsCode: true,
    async open(kit: AttackKit): Promise<AttackSession> {
      const verifier = createVerifier({ ...kit.options, crypto, ...extra } as TokengateOptions);
      await verifier.ready();
      return {
        async send(input: AttackInput): Promise<AttackOutcome> {
          const started = performance.now();
          try {
            const auth =
              'token' in input
                ? await verifier.verify(input.token)
                : (await authenticate(verifier, requestFromLines(input.headers))).auth;
            const ms = performance.now() - started;
            if (!auth) return { status: 204, observed: [], ms };
            const summary = summarizeAuth(auth);
            return { status: 200, auth: summary, observed: [JSON.stringify(summary)], ms };
          } catch (error) {
            const ms = performance.now() - started;
            if (!isAuthError(error)) {
              return { status: 500, code: String((error as Error)?.message), observed: [String(error)], ms };
            }
            return {
              status: error.status,
              code: error.code,
              reason: error.reason,
              challenge: error.headers['WWW-Authenticate'],
              observed: errorTexts(error),
              ms,
            };
          }
        },
        close: async () => {},
      };
    },
  };
}

/** A raw HTTP response. */
export interface RawResponse {
  status: number;
  headers: Record<string, string | string[]>;
  text: string;
}

function decodeChunked(body: string): string {
  let out = '';
  let i = 0;
  while (i < body.length) {
    const end = body.indexOf('\r\n', i);
    if (end < 0) break;
    const size = Number.parseInt(body.slice(i, end), 16);
    if (!Number.isFinite(size) || size === 0) break;
    out += body.slice(end + 2, end + 2 + size);
    i = end + 2 + size + 2;
  }
  return out;
}

/**
 * Sends a GET with exactly these header lines over a plain TCP socket (so duplicate lines and
 * any Latin-1 byte reach the server as written) and parses the answer.
 */
export function rawRequest(
  port: number,
  lines: ReadonlyArray<readonly [string, string]>,
  path = '/protected',
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.setTimeout(5000, () => socket.destroy(new Error('raw request timed out')));
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('end', () => {
      const raw = Buffer.concat(chunks).toString('latin1');
      const split = raw.indexOf('\r\n\r\n');
      const head = raw.slice(0, split).split('\r\n');
      const status = Number(head[0]?.split(' ')[1]);
      const headers: Record<string, string | string[]> = {};
      for (const line of head.slice(1)) {
        const colon = line.indexOf(':');
        const name = line.slice(0, colon).toLowerCase();
        const value = line.slice(colon + 1).trim();
        const existing = headers[name];
        headers[name] = existing === undefined ? value : [...[existing].flat(), value];
      }
      const body = raw.slice(split + 4);
      const text = headers['transfer-encoding'] === 'chunked' ? decodeChunked(body) : body;
      resolve({ status, headers, text: Buffer.from(text, 'latin1').toString('utf8') });
    });
    const head =
      `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n` +
      lines.map(([name, value]) => `${name}: ${value}\r\n`).join('') +
      'Connection: close\r\n\r\n';
    socket.end(Buffer.from(head, 'latin1'));
  });
}

/** Options of {@link httpDriver}. */
export interface HttpDriverOptions {
  /** Whether error bodies are tokengate's JSON (`{ error, code, error_description, reason }`). */
  reportsCode: boolean;
  /** Node server options (e.g. a raised `maxHeaderSize`). */
  server?: ServerOptions;
}

/** Starts `listener` on 127.0.0.1 and resolves with the server and its port. */
export async function listen(
  listener: RequestListener,
  options: ServerOptions = {},
): Promise<{ server: Server; port: number; close(): Promise<void> }> {
  const server = createServer(options, listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    server,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Turns an HTTP response into an {@link AttackOutcome}. */
export function outcomeOf(response: RawResponse, ms: number): AttackOutcome {
  const observed = [response.text];
  for (const value of Object.values(response.headers)) observed.push(...[value].flat());
  let body: Record<string, unknown> | undefined;
  try {
    const parsed = JSON.parse(response.text);
    if (typeof parsed === 'object' && parsed !== null) body = parsed;
  } catch {
    body = undefined;
  }
  const challenge = response.headers['www-authenticate'];
  const ok = response.status >= 200 && response.status < 300;
  return {
    status: response.status,
    code: !ok && typeof body?.code === 'string' ? body.code : undefined,
    reason: !ok && typeof body?.reason === 'string' ? body.reason : undefined,
    challenge: Array.isArray(challenge) ? challenge.join(' | ') : challenge,
    auth: ok ? (body as AttackOutcome['auth']) : undefined,
    observed,
    ms,
  };
}

/**
 * Runs attacks over HTTP against the app `makeListener` builds for each kit. The app must answer
 * `GET /protected` with `200` and `summarizeAuth(auth)` as JSON when authenticated, and hand
 * failures to its framework's error path (with tokengate's JSON body when `reportsCode`).
 * Requests go through supertest; inputs with repeated header names through a raw socket.
 */
export function httpDriver(
  name: string,
  makeListener: (options: TokengateOptions) => RequestListener,
  options: HttpDriverOptions,
): AttackDriver {
  return {
    name,
    layer: 'http',
    reportsCode: options.reportsCode,
    async open(kit: AttackKit): Promise<AttackSession> {
      const running = await listen(makeListener(kit.options), options.server);
      return {
        async send(input: AttackInput): Promise<AttackOutcome> {
          const lines = headerLines(input);
          const started = performance.now();
          const names = lines.map(([n]) => n.toLowerCase());
          if (new Set(names).size !== names.length) {
            const response = await rawRequest(running.port, lines);
            return outcomeOf(response, performance.now() - started);
          }
          let call = request(running.server).get('/protected');
          for (const [header, value] of lines) call = call.set(header, value);
          const response = await call;
          return outcomeOf(
            {
              status: response.status,
              headers: response.headers as Record<string, string | string[]>,
              text: response.text,
            },
            performance.now() - started,
          );
        },
        close: () => running.close(),
      };
    },
  };
}

/**
 * A local HTTP server that counts every request it receives. Attacks point `jku`, `x5u` and
 * URL `kid`s at it; the suite then proves that no request ever arrived.
 */
export async function startTrap(): Promise<{ url: string; hits(): number; close(): Promise<void> }> {
  let hits = 0;
  const running = await listen((_req, res) => {
    hits++;
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"keys":[]}');
  });
  return { url: `http://127.0.0.1:${running.port}`, hits: () => hits, close: running.close };
}

/**
 * Runs attacks against a Fetch-API handler (`(request) => Response`, e.g. Hono's `app.fetch`)
 * without any Node HTTP server, as on Workers, Deno or Bun. Header lines are appended to a Fetch
 * `Headers`, so two `Authorization` lines arrive joined with a comma, as those runtimes deliver them.
 */
export function fetchDriver(
  name: string,
  makeHandler: (options: TokengateOptions) => (request: Request) => Response | Promise<Response>,
  options: { reportsCode: boolean },
): AttackDriver {
  return {
    name,
    layer: 'fetch',
    reportsCode: options.reportsCode,
    async open(kit: AttackKit): Promise<AttackSession> {
      const handler = makeHandler(kit.options);
      return {
        async send(input: AttackInput): Promise<AttackOutcome> {
          const started = performance.now();
          const headers = new Headers();
          // Fetch Headers hold ByteStrings: Latin-1 characters pass as they would from a socket.
          for (const [header, value] of headerLines(input)) headers.append(header, value.trim());
          const response = await handler(new Request('http://127.0.0.1/protected', { headers }));
          const text = await response.text();
          const responseHeaders: Record<string, string> = {};
          response.headers.forEach((value, key) => {
            responseHeaders[key] = value;
          });
          return outcomeOf(
            { status: response.status, headers: responseHeaders, text },
            performance.now() - started,
          );
        },
        close: async () => {},
      };
    },
  };
}
