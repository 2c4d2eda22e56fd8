import type { Profile } from '../../config/profiles.js';
import { freezeParsed } from '../../context/immutable.js';
import type { JwtClaims, JwtHeader } from '../../context/types.js';
import type { CryptoBackend } from '../../crypto/index.js';
import { AuthError, isAuthError } from '../../errors/auth-error.js';
import { getIssuerDiscovery } from '../../keys/remote/discovery.js';
import { KeySourceError } from '../../keys/remote/key-source-error.js';
import type { RemoteJwksOptions } from '../../keys/remote/options.js';
import { isLoopback, validateKeySourceUrl } from '../../keys/remote/url-rules.js';
import { sha256Base64url } from '../dpop/digest.js';
import { type Answer, checkAnswer, inactive, parseAnswer } from './answer.js';
import { IntrospectionCache, reuseUntil } from './cache.js';
import { clientCredentials } from './client-auth.js';
import { JWT_ANSWER_TYPE, postIntrospection } from './exchange.js';
import { verifyJwtAnswer } from './jwt-response.js';
import type { ResolvedIntrospection } from './options.js';

/**
 * Introspection of one issuer profile: where the endpoint is (given, or discovered), asking it
 * (client authentication, RFC 9701 answers), the cache in front, and what a request learns:
 * the checked answer, 401 `invalid_token` (`inactive`, or a check of the answer), or 503
 * `introspection_unavailable` with `Retry-After`, fail-open when configured.
 */

/** `Retry-After` of an `introspection_unavailable` 503, in seconds. */
export const INTROSPECTION_RETRY_AFTER = 5;

const failOpen = new WeakSet<object>();

/**
 * Whether a credential goes to introspection: anything that is not shaped as a compact JWS
 * (exactly three dot-separated parts). A JWE (five parts) is opaque to this server too.
 */
export function isOpaque(token: string): boolean {
  const first = token.indexOf('.');
  if (first < 0) return true;
  const second = token.indexOf('.', first + 1);
  return second < 0 || token.indexOf('.', second + 1) >= 0;
}

/** The header of an opaque token's context: it has none. */
export const OPAQUE_HEADER: JwtHeader = Object.freeze({}) as JwtHeader;

/**
 * Whether `error` is a 503 of an introspecting profile with `failOpen: true`: `authenticate`
 * then lets the request through unauthenticated (no context), and every guard refuses it.
 */
export function isFailOpen(error: unknown): boolean {
  return typeof error === 'object' && error !== null && failOpen.has(error);
}

/** Introspects tokens for one profile. */
export interface Introspector {
  /**
   * The checked answer for `token` at `now` (seconds): synchronous on a cache hit (node:crypto
   * hashes synchronously), a promise otherwise.
   * @throws AuthError `invalid_token` or `introspection_unavailable`.
   */
  introspect(token: string, profile: Profile, now: number): JwtClaims | Promise<JwtClaims>;
  /** The in-process cache (for tests and benchmarks). */
  readonly cache: IntrospectionCache;
}

/** What an introspector needs besides its option. */
export interface IntrospectorContext {
  /** The profile's issuer (for discovery, `iss` checks and the client assertion's audience). */
  readonly issuer: string | undefined;
  /** Timing and transport shared with the remote key sources (`timeoutDuration`, `fetch`…). */
  readonly remote: RemoteJwksOptions;
  /** The request deadline in milliseconds (`timeoutDuration`). */
  readonly timeout: number;
  readonly backend: CryptoBackend;
  /** For messages: `''` or ` (issuers[1])`. */
  readonly where: string;
}

/**
 * Builds the introspector of a profile.
 * @throws TypeError when the endpoint can be neither given nor discovered, or when `jwtResponse`
 *   has no issuer to hold the answer to.
 */
export function createIntrospector(
  options: ResolvedIntrospection,
  context: IntrospectorContext,
): Introspector {
  const { issuer, where } = context;
  if (options.endpoint === undefined && issuer === undefined) {
    throw new TypeError(
      `tokengate: option "introspection.endpoint"${where} is needed when no single "issuer" can be discovered`,
    );
  }
  if (options.jwtResponse && issuer === undefined) {
    throw new TypeError(
      `tokengate: option "introspection.jwtResponse"${where} needs the "issuer" that signs the answers`,
    );
  }
  const discovery = options.endpoint === undefined ? getIssuerDiscovery(issuer!, context.remote) : undefined;
  const cache = new IntrospectionCache(options.cacheMaxEntries);
  const store = options.store;

  async function endpoint(): Promise<string> {
    if (options.endpoint) return options.endpoint.href;
    const metadata = discovery!.peek() ?? (await discovery!.get());
    const found = metadata.metadata.introspection_endpoint;
    if (typeof found !== 'string' || found === '') {
      throw new KeySourceError(
        'wrong_shape',
        metadata.url,
        `discovery metadata from ${metadata.url} has no introspection_endpoint`,
      );
    }
    try {
      return validateKeySourceUrl(found, 'introspection_endpoint', isLoopback(new URL(issuer!))).href;
    } catch (cause) {
      throw new KeySourceError(
        'insecure_url',
        metadata.url,
        `discovery metadata from ${metadata.url} has an introspection_endpoint that is not https`,
        { cause },
      );
    }
  }

  async function ask(token: string, profile: Profile): Promise<Answer> {
    const url = await endpoint();
    const credentials = await clientCredentials(
      options.authMethod,
      options.clientId,
      options.clientSecret,
      options.privateKey,
      issuer ?? url,
    );
    const result = await postIntrospection(
      url,
      { token, token_type_hint: 'access_token', ...credentials.body },
      credentials.headers,
      {
        timeout: context.timeout,
        fetch: context.remote.fetch,
        accept: options.jwtResponse ? JWT_ANSWER_TYPE : 'application/json',
      },
    );
    return options.jwtResponse
      ? verifyJwtAnswer(result.text, result.contentType, url, profile, options.clientId, context.backend)
      : parseAnswer(result.text, url, result.contentType);
  }

  async function fromStore(hash: string, now: number): Promise<Answer | undefined> {
    try {
      const text = await store!.get(hash);
      if (text === undefined) return undefined;
      const entry = JSON.parse(text) as { answer: Answer; until: number };
      if (typeof entry?.until !== 'number' || !(now < entry.until) || typeof entry.answer !== 'object')
        return undefined;
      if (entry.answer !== null) freezeParsed(entry.answer);
      cache.set(hash, entry.answer, entry.until, now);
      return entry.answer;
    } catch {
      return undefined; // a shared cache that fails only costs a round trip
    }
  }

  async function fetchAnswer(token: string, hash: string, profile: Profile): Promise<Answer> {
    if (store) {
      const shared = await fromStore(hash, Date.now() / 1000);
      if (shared !== undefined) return shared;
    }
    let answer: Answer;
    try {
      answer = await ask(token, profile);
    } catch (error) {
      throw unavailable(error);
    }
    const now = Date.now() / 1000;
    const until = reuseUntil(answer, now, options.cacheMaxAge);
    if (answer !== null) freezeParsed(answer);
    cache.set(hash, answer, until, now);
    if (store && until > now) {
      store.set(hash, JSON.stringify({ answer, until }), Math.max(1, Math.ceil(until - now))).catch(() => {});
    }
    return answer;
  }

  function unavailable(error: unknown): AuthError {
    let refusal: AuthError;
    if (isAuthError(error) && error.code === 'introspection_unavailable') refusal = error;
    else {
      const detail = isAuthError(error)
        ? (error.detail ?? error.message)
        : ((error as Error)?.message ?? String(error));
      refusal = new AuthError('introspection_unavailable', detail, {
        cause: error,
        retryAfter: INTROSPECTION_RETRY_AFTER,
      });
    }
    if (options.failOpen) failOpen.add(refusal);
    return refusal;
  }

  function judge(answer: Answer, profile: Profile, now: number): JwtClaims {
    if (answer === null) throw inactive();
    checkAnswer(answer, profile, now);
    return answer;
  }

  return {
    cache,
    introspect(token, profile, now) {
      const hashed = sha256Base64url(token);
      if (typeof hashed === 'string') {
        const entry = cache.get(hashed, now);
        if (entry !== undefined) return judge(entry.answer, profile, now);
      }
      return (async () => {
        const hash = await hashed;
        const entry = cache.get(hash, now);
        const answer =
          entry !== undefined
            ? entry.answer
            : await cache.flight(hash, () => fetchAnswer(token, hash, profile));
        return judge(answer, profile, now);
      })();
    },
  };
}
