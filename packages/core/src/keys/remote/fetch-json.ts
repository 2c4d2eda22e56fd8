import { KeySourceError } from './key-source-error.js';

/**
 * One GET of a JSON document (a JWKS or discovery metadata), bounded in time and in size, that
 * either returns the parsed JSON or throws a {@link KeySourceError} naming the URL and the defect.
 */

/** Largest response body accepted from a key source, in bytes (512 KiB). */
export const MAX_RESPONSE_BYTES = 512 * 1024;

/** How {@link fetchJson} fetches. */
export interface FetchJsonOptions {
  /** Deadline for the whole exchange, body included, in milliseconds. */
  timeoutDuration: number;
  /**
   * The fetch to use, called as a plain function (never as a method of these options: workerd's
   * `fetch` throws "Illegal invocation" when its `this` is another object).
   * @default globalThis.fetch, looked up at each call
   */
  fetch?: typeof fetch | undefined;
  /** Extra request headers. */
  headers: Readonly<Record<string, string>> | undefined;
  /** `accept` header. */
  accept: string;
  /** What is fetched, for messages: `'JWKS'`, `'discovery metadata'`. */
  what: string;
}

/**
 * GETs `url` and parses JSON, bounded in time ({@link FetchJsonOptions.timeoutDuration}, even if a
 * custom fetch ignores its signal) and in size ({@link MAX_RESPONSE_BYTES}). Redirects are not
 * followed. `content-type` is not enforced (many servers mislabel JSON); a non-JSON body is a
 * `not_json` failure whose message names the content type received.
 *
 * @throws KeySourceError naming `url` and the defect.
 */
export async function fetchJson(url: string, options: FetchJsonOptions): Promise<unknown> {
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(
        new KeySourceError(
          'timeout',
          url,
          `${options.what} fetch from ${url} timed out after ${options.timeoutDuration} ms`,
        ),
      );
    }, options.timeoutDuration);
  });
  timedOut.catch(() => {});
  try {
    return await Promise.race([exchange(url, options, controller.signal), timedOut]);
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
}

async function exchange(url: string, options: FetchJsonOptions, signal: AbortSignal): Promise<unknown> {
  const what = options.what;
  const fetchImpl = options.fetch ?? globalThis.fetch;
  let response: Response;
  try {
    response = await fetchImpl(url, {
      method: 'GET',
      redirect: 'manual',
      signal,
      headers: { accept: options.accept, ...options.headers },
    });
  } catch (cause) {
    const reason = cause instanceof Error ? describeNetworkError(cause) : 'request failed';
    throw new KeySourceError('network', url, `${what} fetch from ${url} failed: ${reason}`, { cause });
  }
  if (response.status < 200 || response.status > 299) {
    await response.body?.cancel().catch(() => {});
    const redirect = response.status >= 300 && response.status < 400 ? ' (redirects are not followed)' : '';
    throw new KeySourceError(
      'http_status',
      url,
      `${what} fetch from ${url} answered HTTP ${response.status}${redirect}`,
      {
        status: response.status,
      },
    );
  }
  const type = response.headers.get('content-type') ?? 'no content-type';
  const text = await readCapped(url, what, response);
  try {
    return JSON.parse(text);
  } catch {
    throw new KeySourceError(
      'not_json',
      url,
      `${what} from ${url} is not JSON (content-type: ${type.slice(0, 60)})`,
    );
  }
}

/** Reads a response body as text, at most {@link MAX_RESPONSE_BYTES}. @throws KeySourceError */
export async function readCapped(url: string, what: string, response: Response): Promise<string> {
  const tooLarge = () =>
    new KeySourceError('too_large', url, `${what} from ${url} is larger than ${MAX_RESPONSE_BYTES} bytes`);
  const declared = Number(response.headers.get('content-length'));
  if (declared > MAX_RESPONSE_BYTES) {
    await response.body?.cancel().catch(() => {});
    throw tooLarge();
  }
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > MAX_RESPONSE_BYTES) {
        await reader.cancel().catch(() => {});
        throw tooLarge();
      }
      chunks.push(value);
    }
  } catch (cause) {
    if (cause instanceof KeySourceError) throw cause;
    throw new KeySourceError('network', url, `${what} fetch from ${url} failed while reading the body`, {
      cause,
    });
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return new TextDecoder().decode(bytes);
}

/** A short reason from a fetch failure (undici hides the useful part in `cause.code`). */
export function describeNetworkError(error: Error): string {
  const cause = error.cause as { code?: unknown; message?: unknown } | undefined;
  const code = typeof cause?.code === 'string' ? cause.code : undefined;
  return code ? `${error.message} (${code})` : error.message;
}
