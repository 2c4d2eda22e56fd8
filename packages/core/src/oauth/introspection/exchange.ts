import { describeNetworkError, readCapped } from '../../keys/remote/fetch-json.js';
import { KeySourceError } from '../../keys/remote/key-source-error.js';

/**
 * One introspection request (RFC 7662 §2.1): a form POST bounded in time (the whole exchange,
 * body included, even if a custom `fetch` ignores its signal) and in size (512 KiB), redirects
 * not followed. It returns the body of a 200 answer, or throws a {@link KeySourceError} naming
 * the endpoint and the defect (never the token, which travels only in the request body).
 */

/** The media type of RFC 9701 answers. */
export const JWT_ANSWER_TYPE = 'application/token-introspection+jwt';

/** How {@link postIntrospection} posts. */
export interface ExchangeOptions {
  /** Deadline in milliseconds. */
  readonly timeout: number;
  /** The `fetch` option, or `globalThis.fetch`. */
  readonly fetch: typeof fetch | undefined;
  /** `Accept`: JSON, or RFC 9701's JWT. */
  readonly accept: string;
}

/** The body of a 200 answer, with its content type. */
export interface ExchangeResult {
  readonly contentType: string;
  readonly text: string;
}

/** POSTs `form` to `endpoint` with `headers`; see the module notes. @throws KeySourceError */
export async function postIntrospection(
  endpoint: string,
  form: Record<string, string>,
  headers: Record<string, string>,
  options: ExchangeOptions,
): Promise<ExchangeResult> {
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(
        new KeySourceError(
          'timeout',
          endpoint,
          `introspection at ${endpoint} timed out after ${options.timeout} ms`,
        ),
      );
    }, options.timeout);
  });
  timedOut.catch(() => {});
  try {
    return await Promise.race([exchange(endpoint, form, headers, options, controller.signal), timedOut]);
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
}

async function exchange(
  endpoint: string,
  form: Record<string, string>,
  headers: Record<string, string>,
  options: ExchangeOptions,
  signal: AbortSignal,
): Promise<ExchangeResult> {
  const fetchImpl = options.fetch ?? globalThis.fetch;
  let response: Response;
  try {
    response = await fetchImpl(endpoint, {
      method: 'POST',
      redirect: 'manual',
      signal,
      headers: {
        ...headers,
        accept: options.accept,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams(form).toString(),
    });
  } catch (cause) {
    const reason = cause instanceof Error ? describeNetworkError(cause) : 'request failed';
    throw new KeySourceError('network', endpoint, `introspection at ${endpoint} failed: ${reason}`, {
      cause,
    });
  }
  if (response.status !== 200) {
    await response.body?.cancel().catch(() => {});
    const hint =
      response.status === 401 || response.status === 403
        ? ' (check introspection.clientId and its credentials)'
        : response.status >= 300 && response.status < 400
          ? ' (redirects are not followed)'
          : '';
    throw new KeySourceError(
      'http_status',
      endpoint,
      `introspection at ${endpoint} answered HTTP ${response.status}${hint}`,
      { status: response.status },
    );
  }
  const contentType = response.headers.get('content-type') ?? '';
  const text = await readCapped(endpoint, 'introspection answer', response);
  return { contentType, text };
}
