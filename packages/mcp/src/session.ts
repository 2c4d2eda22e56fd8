import type { AuthInfo } from '@modelcontextprotocol/server';
import { type AuthContext, type WatchEndReason, watchAuth } from '@tokengate/core';
import type { McpTokenVerifier } from './verifier.js';

/** Options of {@link watchMcpSession}. */
export interface McpSessionWatchOptions {
  /**
   * Called once when the session must end, with why: `'expired'` at the `exp` of the last token
   * presented on it, `'revoked'` when the verifier's `revocation` store revokes that token,
   * `'key_withdrawn'` when its key leaves the key set. Close the session's transport here
   * (`transport.close()` ends its standalone GET stream and every response stream) and forget
   * the session, so later requests naming it are answered 404. Never called after `stop()`.
   */
  onEnd(reason: WatchEndReason): void;
}

/** A stateful MCP session held to its token's life: what {@link watchMcpSession} returns. */
export interface McpSessionWatch {
  /**
   * Checks a later request on the session, given the `AuthInfo` the SDK's gate made for it.
   * `true`: the request is from the principal that opened the session (same `iss`, `sub` and
   * client; a session opened by a token naming neither subject nor client takes only that
   * token), and from now on the session is held to this request's token, so a client that
   * presents a fresh token before the old one expires keeps its session. `false`: refuse the
   * request as if the session did not exist (another principal's token, an `AuthInfo` this
   * verifier did not make, or a session already ended); the watch is unchanged.
   */
  renew(authInfo: AuthInfo | undefined): boolean;
  /** Stops watching (the session closed on its own: `DELETE`, shutdown); `onEnd` is never called afterwards. */
  stop(): void;
}

/**
 * Who a session belongs to: `iss`, `sub` and client of the token that opened it (strings the
 * context already holds). A token that names neither a subject nor a client identifies nobody:
 * its session is bound to that token alone.
 */
interface Principal {
  readonly issuer: string | undefined;
  readonly subject: string | undefined;
  readonly clientId: string;
  /** Set when the opening token names nobody: only this token continues the session. */
  readonly token: string | undefined;
}

function principalOf(auth: AuthContext<unknown>, authInfo: AuthInfo): Principal {
  const anonymous = auth.subject === undefined && authInfo.clientId === '';
  return {
    issuer: auth.issuer,
    subject: auth.subject,
    clientId: authInfo.clientId,
    token: anonymous ? auth.token : undefined,
  };
}

function isPrincipal(principal: Principal, auth: AuthContext<unknown>, authInfo: AuthInfo): boolean {
  if (principal.token !== undefined) return auth.token === principal.token;
  return (
    auth.issuer === principal.issuer &&
    auth.subject === principal.subject &&
    authInfo.clientId === principal.clientId
  );
}

/** One watched session: a class, so that thousands cost a few fields each, not a nest of closures. */
class SessionWatch implements McpSessionWatch {
  #current: AuthContext<unknown>;
  #stopCurrent: () => void;
  #ended = false;
  readonly #end: (reason: WatchEndReason) => void;

  constructor(
    private readonly verifier: Pick<McpTokenVerifier<any>, 'authContext'>,
    private readonly principal: Principal,
    first: AuthContext<unknown>,
    onEnd: (reason: WatchEndReason) => void,
  ) {
    this.#end = (reason) => {
      this.#ended = true;
      onEnd(reason);
    };
    this.#current = first;
    this.#stopCurrent = watchAuth(first, { onEnd: this.#end });
  }

  renew(next: AuthInfo | undefined): boolean {
    if (this.#ended || next === undefined) return false;
    const auth = this.verifier.authContext(next);
    if (auth === undefined || !isPrincipal(this.principal, auth, next)) return false;
    if (auth.token !== this.#current.token) {
      const stopNext = watchAuth(auth, { onEnd: this.#end });
      this.#stopCurrent();
      this.#stopCurrent = stopNext;
      this.#current = auth;
    }
    return true;
  }

  stop(): void {
    this.#ended = true;
    this.#stopCurrent();
  }
}

/**
 * Holds a stateful MCP session (streamable HTTP with `sessionIdGenerator`) to the life of the
 * token that opened it, with core's `watchAuth`: at the token's `exp`, on its revocation (on any
 * instance, through a shared store such as `@tokengate/redis`) and when its key is withdrawn,
 * `onEnd` is called and the app closes the session, which ends its long-lived GET stream.
 *
 * Call it when the session is initialized, with the initialize request's `AuthInfo`; call
 * `renew` with the `AuthInfo` of every later request on the session, and refuse the request
 * (404, as for an unknown session) when it returns `false`; call `stop` when the session closes
 * on its own. A later request with a fresh token of the same principal moves the watch to that
 * token: the session lives as long as the last token presented on it, never longer, and is
 * bound to its principal (a session ID alone, leaked or guessed, does not let another token in).
 * Every watch in the process shares core's one deadline timer and one listener per store.
 *
 * @example
 * ```ts
 * const transport = new NodeStreamableHTTPServerTransport({
 *   sessionIdGenerator: () => randomUUID(),
 *   onsessioninitialized: (id) => {
 *     sessions.set(id, { transport, watch: watchMcpSession(verifier, req.auth, { onEnd: () => transport.close() }) });
 *   },
 * });
 * ```
 * @throws TypeError when `authInfo` is not one `verifier` made, or `onEnd` is not a function.
 */
export function watchMcpSession(
  verifier: Pick<McpTokenVerifier<any>, 'authContext'>,
  authInfo: AuthInfo,
  options: McpSessionWatchOptions,
): McpSessionWatch {
  const first = verifier?.authContext(authInfo);
  if (first === undefined)
    throw new TypeError(
      'watchMcpSession: authInfo must be the AuthInfo this verifier made (what the SDK gate put on the request)',
    );
  const onEnd = options?.onEnd;
  if (typeof onEnd !== 'function') throw new TypeError('watchMcpSession: options.onEnd must be a function');
  return new SessionWatch(verifier, principalOf(first, authInfo), first, onEnd);
}
