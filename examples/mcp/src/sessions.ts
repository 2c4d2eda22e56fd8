import { randomUUID } from 'node:crypto';
import {
  type AuthInfo,
  isInitializeRequest,
  type McpServer,
  readRequestBody,
  type Transport,
  type WebStandardStreamableHTTPServerTransportOptions,
} from '@modelcontextprotocol/server';
import { type McpSessionWatch, type McpTokenVerifier, watchMcpSession } from '@tokengate/mcp';

/** A refusal in the SDK's own shape (JSON-RPC error body), for a request no session takes. */
export interface SessionRefusal {
  status: 400 | 404 | 413;
  body: { jsonrpc: '2.0'; error: { code: number; message: string }; id: null };
}

const refuse = (status: SessionRefusal['status'], message: string, code = -32000): SessionRefusal => ({
  status,
  body: { jsonrpc: '2.0', error: { code, message }, id: null },
});

/** A body read by {@link readBody}, or the refusal to answer. */
export type ReadBody = { status?: undefined; body: unknown } | SessionRefusal;

/**
 * Reads a POST's JSON-RPC body once, for hosts without a body parser (Hono, Koa), bounded as the
 * SDK's transports bound it (4 MiB): the body, or the SDK's 413 or 400 (parse error).
 */
export async function readBody(request: Request | Promise<Request>): Promise<ReadBody> {
  let read: Awaited<ReturnType<typeof readRequestBody>>;
  try {
    read = await readRequestBody(await request);
  } catch (error) {
    if ((error as { status?: unknown }).status !== 413) throw error; // the node reader's own bound
    read = { tooLarge: true };
  }
  if (read.tooLarge) return refuse(413, 'Payload Too Large');
  try {
    return { body: JSON.parse(read.text) };
  } catch {
    return refuse(400, 'Parse error', -32700);
  }
}

/**
 * The stateful sessions of one MCP server (streamable HTTP with `sessionIdGenerator`), each held
 * to its token's life by `watchMcpSession`: at `exp`, on revocation (on any instance sharing the
 * store) and when its key is withdrawn, the session's transport is closed (its GET stream ends)
 * and forgotten, so later requests naming it are answered 404. A later request with a fresh token
 * of the same principal keeps the session alive; another principal's token is answered 404.
 */
export class McpSessions<T extends Transport & { readonly sessionId?: string | undefined }> {
  readonly #sessions = new Map<string, { transport: T; watch: McpSessionWatch }>();

  constructor(
    private readonly verifier: McpTokenVerifier<any>,
    private readonly server: () => McpServer,
    private readonly transport: (options: WebStandardStreamableHTTPServerTransportOptions) => T,
  ) {}

  /**
   * The transport for a request the SDK's gate let through: the session it names (if it exists
   * and the token is its principal's; the watch then follows this token), or a new session for
   * an `initialize` request without one.
   */
  async route(sessionId: string | undefined, body: unknown, authInfo: AuthInfo): Promise<T | SessionRefusal> {
    if (sessionId !== undefined) {
      const session = this.#sessions.get(sessionId);
      return session?.watch.renew(authInfo) ? session.transport : refuse(404, 'Session not found');
    }
    if (!isInitializeRequest(body)) return refuse(400, 'Bad Request: no session ID');
    const transport: T = this.transport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => {
        // Held to the initialize request's token from the moment the session exists.
        const watch = watchMcpSession(this.verifier, authInfo, { onEnd: () => void transport.close() });
        this.#sessions.set(id, { transport, watch });
      },
    });
    transport.onclose = () => this.#forget(transport);
    await this.server().connect(transport);
    return transport;
  }

  /** Sessions open now. */
  get size(): number {
    return this.#sessions.size;
  }

  /** Closes every session (shutdown). */
  async close(): Promise<void> {
    await Promise.all([...this.#sessions.values()].map(({ transport }) => transport.close()));
  }

  #forget(transport: T): void {
    const id = transport.sessionId;
    const session = id === undefined ? undefined : this.#sessions.get(id);
    if (id === undefined || session?.transport !== transport) return;
    session.watch.stop();
    this.#sessions.delete(id);
  }
}
