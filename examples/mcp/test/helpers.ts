import {
  type AuthProvider,
  Client,
  type OAuthClientProvider,
  StreamableHTTPClientTransport,
} from '@modelcontextprotocol/client';

/** One GET (the standalone SSE stream) the SDK's client opened: its status, and when its body ended. */
export interface GetStream {
  readonly status: number;
  /** Resolves with Date.now() when the stream's body ended (closed, errored or cancelled). */
  readonly ended: Promise<number>;
  /** Whether it has ended by now. */
  readonly done: () => boolean;
}

/** One exchange the SDK's client made: method, session it named, status. */
export interface Sent {
  method: string;
  url: string;
  session: string | null;
  status: number;
}

/**
 * A fetch for the SDK's client that records every exchange in `sent`, and wraps the body of each
 * successful GET (the session's standalone SSE stream) to note when it ends.
 */
function watchingFetch(sent: Sent[], streams: GetStream[]): typeof fetch {
  return async (input, init) => {
    const response = await fetch(input, init);
    const method = init?.method ?? 'GET';
    const url = String(input instanceof Request ? input.url : input);
    sent.push({
      method,
      url,
      session: new Headers(init?.headers).get('mcp-session-id'),
      status: response.status,
    });
    const sse = response.headers.get('content-type')?.startsWith('text/event-stream') === true;
    if (method !== 'GET' || !sse || !response.ok || !response.body) return response;
    const reader = response.body.getReader();
    let endedAt: number | undefined;
    let resolveEnded!: (at: number) => void;
    const ended = new Promise<number>((resolve) => {
      resolveEnded = resolve;
    });
    const finish = () => {
      endedAt ??= Date.now();
      resolveEnded(endedAt);
    };
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        try {
          const { done, value } = await reader.read();
          if (done) {
            finish();
            controller.close();
          } else controller.enqueue(value);
        } catch (error) {
          finish();
          controller.error(error);
        }
      },
      cancel(reason) {
        finish();
        return reader.cancel(reason);
      },
    });
    streams.push({ status: response.status, ended, done: () => endedAt !== undefined });
    return new Response(body, {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    });
  };
}

/** The SDK's own client, connected, with its first GET stream open. */
export interface McpSessionClient {
  readonly client: Client;
  readonly transport: StreamableHTTPClientTransport;
  /** The session the server gave it. */
  readonly sessionId: string;
  /** Its standalone GET stream (the first one). */
  readonly stream: GetStream;
  readonly sent: Sent[];
  /** Presents `token` from the next request on. */
  use(token: string): void;
  close(): Promise<void>;
}

/**
 * Connects the MCP SDK v2's client (`Client` + `StreamableHTTPClientTransport`) to `url`, and
 * resolves once the session's GET stream is open. `auth` is a bearer token (given to the SDK as
 * an `AuthProvider` that, on a 401, asks `refresh` for a new one, as a client renewing its
 * credentials does) or the SDK's own `OAuthClientProvider` (discovery, registration, token).
 */
export async function connectClient(
  url: string,
  auth: string | OAuthClientProvider,
  refresh?: () => Promise<string>,
): Promise<McpSessionClient> {
  let current = typeof auth === 'string' ? auth : '';
  const sent: Sent[] = [];
  const streams: GetStream[] = [];
  const authProvider: AuthProvider | OAuthClientProvider =
    typeof auth === 'string'
      ? {
          token: async () => current,
          onUnauthorized: async () => {
            current = await (refresh ?? (async () => current))();
          },
        }
      : auth;
  const transport = new StreamableHTTPClientTransport(new URL(url), {
    authProvider,
    fetch: watchingFetch(sent, streams),
  });
  const client = new Client({ name: 'tokengate-sessions-e2e', version: '1.0.0' });
  transport.onerror = () => {}; // reconnection failures after the server ended the session
  await client.connect(transport);
  const deadline = Date.now() + 5000;
  while (streams.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  if (streams.length === 0) throw new Error('the client opened no GET stream');
  return {
    client,
    transport,
    sessionId: transport.sessionId!,
    stream: streams[0]!,
    sent,
    use: (next) => {
      current = next;
    },
    close: () => client.close().catch(() => {}),
  };
}

/** A JSON-RPC request on a session, outside the SDK's client: its status. */
export async function postOnSession(url: string, token: string, sessionId: string): Promise<number> {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-session-id': sessionId,
    },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} }),
  });
  await response.body?.cancel();
  return response.status;
}

export const payloadOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString());
export const nowSeconds = () => Math.floor(Date.now() / 1000);
export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
