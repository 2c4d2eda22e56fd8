/**
 * Reading a small request body with a bound, for the few endpoints tokengate answers itself
 * (back-channel logout): from a Node `IncomingMessage` (Express, Koa, Fastify) or a Fetch
 * `Request` (Hono). No `node:` import: a Node stream is read as the async iterable it is.
 */

/** What a body reader found: the text, or a form a body parser already read, or too much. */
export type BodyRead =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'parsed'; readonly form: Readonly<Record<string, unknown>> }
  | { readonly kind: 'too_large' }
  /** The stream failed (the client went away mid-body). */
  | { readonly kind: 'unreadable' };

const TOO_LARGE: BodyRead = { kind: 'too_large' };
const UNREADABLE: BodyRead = { kind: 'unreadable' };

/** The parts of a Node request a body read uses (a body parser's `body`, if one ran). */
export interface NodeBodySource extends AsyncIterable<unknown> {
  readonly headers: Record<string, string | string[] | undefined>;
  readonly readableEnded?: boolean;
  /** Set by body-parser (`express.urlencoded()`) once it consumed the stream. */
  readonly _body?: unknown;
}

function declaredTooLarge(length: string | null | undefined, limit: number): boolean {
  return length != null && /^\d+$/.test(length) && Number(length) > limit;
}

function sized(text: string, limit: number): BodyRead {
  return new TextEncoder().encode(text).length > limit ? TOO_LARGE : { kind: 'text', text };
}

function decode(chunks: Uint8Array[], size: number): string {
  const all = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    all.set(chunk, at);
    at += chunk.length;
  }
  return new TextDecoder().decode(all);
}

/**
 * Reads a Node request's body, at most `limit` bytes. When a body parser already consumed the
 * stream, its result (`parsed`, an object such as `express.urlencoded()` or `koa-bodyparser`
 * leave) is returned instead.
 */
export async function readNodeBody(req: NodeBodySource, limit: number, parsed?: unknown): Promise<BodyRead> {
  try {
    return await readNode(req, limit, parsed);
  } catch {
    return UNREADABLE;
  }
}

async function readNode(req: NodeBodySource, limit: number, parsed: unknown): Promise<BodyRead> {
  if (req._body === true || req.readableEnded === true) {
    // express.text() / express.raw() leave the body itself; urlencoded parsers an object.
    if (typeof parsed === 'string') return sized(parsed, limit);
    if (parsed instanceof Uint8Array) return sized(new TextDecoder().decode(parsed), limit);
    const form = typeof parsed === 'object' && parsed !== null ? parsed : {};
    return { kind: 'parsed', form: form as Record<string, unknown> };
  }
  const length = req.headers['content-length'];
  if (declaredTooLarge(typeof length === 'string' ? length : undefined, limit)) return TOO_LARGE;
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of req) {
    const bytes = typeof chunk === 'string' ? new TextEncoder().encode(chunk) : (chunk as Uint8Array);
    size += bytes.length;
    if (size > limit) return TOO_LARGE; // leaving the loop destroys the stream: nothing more is read
    chunks.push(bytes);
  }
  return { kind: 'text', text: decode(chunks, size) };
}

/** Reads a Fetch `Request`'s body, at most `limit` bytes (Hono's `c.req.raw`). */
export async function readWebBody(request: Request, limit: number): Promise<BodyRead> {
  try {
    return await readWeb(request, limit);
  } catch {
    return UNREADABLE;
  }
}

async function readWeb(request: Request, limit: number): Promise<BodyRead> {
  if (declaredTooLarge(request.headers.get('content-length'), limit)) return TOO_LARGE;
  if (request.body === null) return { kind: 'text', text: '' };
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > limit) {
      await reader.cancel().catch(() => {});
      return TOO_LARGE;
    }
    chunks.push(value);
  }
  return { kind: 'text', text: decode(chunks, size) };
}
