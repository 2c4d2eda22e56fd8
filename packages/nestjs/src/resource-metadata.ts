import type { TokengateOptions } from '@tokengate/core';
import { createResourceMetadataEndpoint } from '@tokengate/core/adapter';
import type { TokengateModuleOptions } from './module.js';

/** The Node request a middleware given to `app.use()` receives on both Nest platforms. */
export interface NodeMessage {
  /** The request method. */
  readonly method?: string | undefined;
  /** The path and query, as Node has it. */
  readonly url?: string | undefined;
  /** The path and query the client sent, where Express keeps it. */
  readonly originalUrl?: string | undefined;
  /** The request headers (lower-case names). */
  readonly headers: Record<string, string | string[] | undefined>;
}

/** The Node response a middleware given to `app.use()` receives on both Nest platforms. */
export interface NodeResponse {
  /** Sends the status and headers. */
  writeHead(status: number, headers: Record<string, string>): unknown;
  /** Ends the response, with a body or none. */
  end(body?: string): unknown;
}

/** A middleware as `app.use()` takes it on both Nest platforms. */
export type NodeMiddleware = (req: NodeMessage, res: NodeResponse, next: () => void) => void;

/**
 * Middleware serving the RFC 9728 Protected Resource Metadata of the API configured by
 * `resource`: `GET`/`HEAD` on its well-known path (`/.well-known/oauth-protected-resource` + the
 * resource's path) get the document (authorization servers from `issuer`/`issuers`, scopes,
 * bearer methods), readable cross-origin and cacheable; a CORS preflight gets 204; every other
 * request is passed on. Give it the module's options and `app.use()` it (on either platform): the
 * document is public, and no route needs to exist.
 *
 * @throws TypeError at start-up when `resource` is missing or malformed.
 * @example
 * ```ts
 * const app = await NestFactory.create(AppModule);
 * app.use(protectedResourceMetadata(authOptions)); // GET /.well-known/oauth-protected-resource/mcp
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9728#section-3
 */
export function protectedResourceMetadata(options: TokengateModuleOptions): NodeMiddleware {
  const endpoint = createResourceMetadataEndpoint(options as TokengateOptions<any, any>);
  return function tokengateResourceMetadata(req, res, next) {
    const headers = req.headers['access-control-request-headers'];
    const answer = endpoint.answer(
      req.method ?? 'GET',
      req.originalUrl ?? req.url ?? '/',
      Array.isArray(headers) ? headers.join(', ') : headers,
    );
    if (!answer) return next();
    res.writeHead(answer.status, { ...answer.headers });
    res.end(answer.body);
  };
}
