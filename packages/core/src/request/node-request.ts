import type { RequestLike } from './token-sources.js';

/**
 * The request core reads, built from a Node `IncomingMessage` (Express's `req`, Koa's `ctx.req`,
 * Fastify's `request.raw`, @hono/node-server's `incoming`).
 */

/** The shape of a Node `IncomingMessage` that {@link nodeRequest} reads (no `node:` import needed). */
export interface NodeRequestShape {
  readonly method?: string | undefined;
  readonly url?: string | undefined;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly rawHeaders?: readonly string[];
  /** The connection (a `TLSSocket` has `encrypted: true`). */
  readonly socket?: object | null | undefined;
}

/**
 * Builds a {@link RequestLike} from a Node `IncomingMessage` (Express `req`, Koa `ctx.req`). It
 * counts `Authorization` lines in `rawHeaders`, because Node keeps only the first one in
 * `headers` and a second line must not be silently ignored.
 */
export function nodeRequest<Raw>(req: NodeRequestShape, raw: Raw, url?: string): RequestLike<Raw> {
  return new NodeRequest(req, raw, url ?? req.url);
}

/**
 * One per request, so a class: its methods and the `secure` getter live on the prototype. (An
 * object literal with a getter is built by a runtime call, not cloned: it cost ~1.5 µs a request.)
 */
class NodeRequest<Raw> implements RequestLike<Raw> {
  readonly method: string;
  readonly #req: NodeRequestShape;

  constructor(
    req: NodeRequestShape,
    readonly raw: Raw,
    readonly url: string | undefined,
  ) {
    this.#req = req;
    this.method = req.method ?? 'GET';
  }

  get secure(): boolean {
    return (this.#req.socket as { encrypted?: unknown } | null | undefined)?.encrypted === true;
  }

  header(name: string): string | undefined {
    const value = this.#req.headers[name];
    return Array.isArray(value) ? value.join(', ') : value;
  }

  authorizationLines(): number {
    const raw = this.#req.rawHeaders;
    if (!raw) return 1;
    let count = 0;
    for (let i = 0; i < raw.length; i += 2)
      if (raw[i]!.length === 13 && raw[i]!.toLowerCase() === 'authorization') count++;
    return count;
  }
}
