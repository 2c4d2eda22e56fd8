import { createClient } from '@redis/client';
import {
  type AuthContext,
  AuthError,
  assertRevocationId,
  callHook,
  type Instant,
  type RevocationCheck,
  type RevocationStore,
  toEpochSeconds,
} from '@tokengate/core';
import {
  decodeEntry,
  encodeEntry,
  entryExpiresAt,
  type RevocationEntry,
  RevocationMirror,
} from './mirror.js';
import { type RedisClient, type RedisRevocationStoreOptions, resolveOptions } from './options.js';

/** Where the store stands; only `'ready'` answers `isRevoked` from a trusted copy. */
export type RedisRevocationStoreState = 'connecting' | 'ready' | 'unavailable' | 'closed';

/** A {@link RevocationStore} on Redis; see {@link createRedisRevocationStore}. */
export interface RedisRevocationStore extends RevocationStore {
  /**
   * Whether the verified token is revoked, answered synchronously from the local copy. Throws an
   * `AuthError` `revocation_unavailable` (503) while the copy cannot be trusted, unless `failOpen`.
   */
  isRevoked(auth: AuthContext<any>, check?: RevocationCheck): boolean;
  /**
   * Resolves once connected, subscribed and resynced (the copy is trusted). Rejects with an
   * `AuthError` (`revocation_unavailable`) after `connectTimeout`; the store keeps trying.
   */
  ready(): Promise<void>;
  /** Unsubscribes and closes the connections the store opened. Later calls answer 503. */
  close(): Promise<void>;
  /** Where the store stands: `'connecting'`, `'ready'`, `'unavailable'` or `'closed'`. */
  readonly state: RedisRevocationStoreState;
  /** Number of revoked `jti`s in the local copy. */
  readonly size: number;
  /** Number of subject cut-offs in the local copy. */
  readonly subjectCount: number;
}

/**
 * Sets the entry unless a later one is stored, with its expiry, then announces it, atomically.
 * KEYS[1] entry key; ARGV: value, expire-at in ms ('' = never), channel, message.
 */
const REVOKE_SCRIPT = `
local current = tonumber(redis.call('GET', KEYS[1]))
if current == nil or current < tonumber(ARGV[1]) then
  if ARGV[2] == '' then
    redis.call('SET', KEYS[1], ARGV[1])
  else
    redis.call('SET', KEYS[1], ARGV[1], 'PXAT', ARGV[2])
  end
end
redis.call('PUBLISH', ARGV[3], ARGV[4])
return 1
`;

/** Escapes glob characters for a SCAN `MATCH` pattern. */
function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * A {@link RevocationStore} shared by every instance of an app through Redis. Revoked `jti`s are
 * Redis keys that expire with the token; subject cut-offs are keys too. Each instance keeps a
 * local copy, loaded at start, kept fresh by pub/sub and reloaded after every reconnect, so
 * `isRevoked` answers synchronously from memory.
 *
 * While the pub/sub connection is down the copy may miss revocations made elsewhere: `isRevoked`
 * then throws an `AuthError` `revocation_unavailable` (503 with `Retry-After`) until the store
 * has reconnected and resynced, unless `failOpen` is set. `revoke` and `revokeSubject` reject
 * with the same error when Redis cannot record the revocation. Configuration mistakes throw
 * `TypeError` here.
 *
 * @example
 * ```ts
 * import { createRedisRevocationStore } from '@tokengate/redis';
 * const revocation = createRedisRevocationStore({ url: process.env.REDIS_URL, maxTokenLifetime: 3600 });
 * await revocation.ready();
 * app.use(jwtAuth({ issuer, audience, revocation }));
 * app.post('/logout', async (req, res) => {
 *   await revocation.revoke(req.auth.payload.jti, req.auth.payload.exp);
 *   res.sendStatus(204);
 * });
 * ```
 */
export function createRedisRevocationStore(options: RedisRevocationStoreOptions): RedisRevocationStore {
  const {
    url,
    client: givenClient,
    prefix,
    failOpen,
    maxTokenLifetime,
    connectTimeout,
    commandTimeout,
    retryAfter,
    sweepInterval,
    heartbeatInterval,
    reconnectStrategy,
    onError,
    now,
  } = resolveOptions(options);

  const channel = `${prefix}revocations`;
  const keyOf = (entry: Pick<RevocationEntry, 'kind' | 'id'>) => `${prefix}${entry.kind}:${entry.id}`;
  const keyPattern = `${escapeGlob(prefix)}*`;
  const socket = {
    connectTimeout,
    reconnectStrategy: (attempt: number) => Math.max(0, reconnectStrategy(attempt)),
  };

  const ownsCommandClient = givenClient === undefined;
  const command: RedisClient =
    givenClient ??
    (createClient({ url, socket, disableOfflineQueue: true, commandsQueueMaxLength: 10_000 }) as RedisClient);
  /** The pub/sub connection; replaced when a heartbeat finds it unresponsive. */
  let subscriber: RedisClient;
  /**
   * Bounds one Redis call. node-redis's own `timeout` command option only covers the wait before
   * a command is written, not the wait for its reply (a frozen server), so the store keeps time.
   */
  function bounded<T>(call: Promise<T>, what: string): Promise<T> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`Redis did not answer ${what} within ${commandTimeout} ms`)),
        commandTimeout,
      );
    });
    call.catch(() => {}); // a late failure after the timeout is not an unhandled rejection
    return Promise.race([call, timeout]).finally(() => clearTimeout(timer));
  }

  const mirror = new RevocationMirror(maxTokenLifetime);
  /** Fresh copies being filled by a resync; messages that arrive meanwhile go to them too. */
  const resyncTargets = new Set<RevocationMirror>();
  let state: RedisRevocationStoreState = 'connecting';
  /** Bumped whenever the subscription may have missed a message. */
  let epoch = 0;
  /** The connection whose SUBSCRIBE was confirmed (node-redis re-subscribes it on reconnect). */
  let subscribedClient: RedisClient | undefined;
  let syncing = false;
  let staleReported = false;
  let lastError: unknown;
  const closed = () => state === 'closed';
  const waiters = new Set<{ resolve: () => void; reject: (error: unknown) => void }>();

  function report(message: string, cause?: unknown): void {
    const error = new AuthError('revocation_unavailable', message, { cause, retryAfter });
    callHook(onError, { error }, '@tokengate/redis onError');
  }

  function unavailable(message: string): AuthError {
    return new AuthError('revocation_unavailable', message, { cause: lastError, retryAfter });
  }

  function lost(error?: unknown): void {
    if (error !== undefined) lastError = error;
    if (state === 'closed') return;
    epoch++;
    if (state === 'ready') {
      state = 'unavailable';
      staleReported = false;
      report(
        'lost the Redis pub/sub connection: revocations made elsewhere may be missed until it reconnects and resyncs',
        lastError,
      );
    }
    // An error that does not take the socket down (no reconnect, so no `ready` event follows)
    // still cost the copy its trust: resync on the live connection.
    setTimeout(() => {
      if (!closed() && subscriber.isReady) void sync();
    }, 0).unref?.();
  }

  function setReady(): void {
    state = 'ready';
    for (const waiter of waiters) waiter.resolve();
    waiters.clear();
  }

  function destroy(client: RedisClient): void {
    try {
      client.destroy();
    } catch {
      // already closed
    }
  }

  const delay = (ms: number) =>
    new Promise<void>((resolve) => {
      setTimeout(resolve, ms).unref?.();
    });

  /** Loads every entry from Redis into a fresh copy, then swaps it in. */
  async function resync(): Promise<void> {
    const fresh = new RevocationMirror(maxTokenLifetime);
    resyncTargets.add(fresh);
    try {
      let cursor = '0';
      do {
        const reply = (await bounded(
          command.scan(cursor, { MATCH: keyPattern, COUNT: 1000, TYPE: 'string' }),
          'SCAN',
        )) as { cursor: string | number; keys: string[] };
        cursor = String(reply.cursor);
        const batch = reply.keys;
        if (batch.length === 0) continue;
        const values = (await bounded(command.mGet(batch), 'MGET')) as (string | null)[];
        batch.forEach((key, i) => {
          const raw = values[i];
          if (raw === null || raw === undefined) return;
          const rest = key.slice(prefix.length);
          const kind = rest.startsWith('jti:') ? 'jti' : rest.startsWith('sub:') ? 'sub' : undefined;
          const value = Number(raw);
          if (kind && Number.isFinite(value)) fresh.apply({ kind, id: rest.slice(4), value });
        });
      } while (cursor !== '0' && !closed());
    } finally {
      resyncTargets.delete(fresh);
    }
    mirror.replaceWith(fresh);
  }

  /** (Re)subscribes when needed and resyncs until the copy can be trusted for this connection. */
  async function sync(): Promise<void> {
    if (syncing) return;
    syncing = true;
    try {
      for (let attempt = 0; !closed() && subscriber.isReady; attempt++) {
        const started = epoch;
        const client = subscriber;
        try {
          if (subscribedClient !== client) {
            await bounded(client.subscribe(channel, onMessage), 'SUBSCRIBE');
            subscribedClient = client;
          }
          await resync();
          if (started === epoch && client === subscriber && client.isReady && !closed()) {
            setReady();
            return;
          }
        } catch (error) {
          lastError = error;
          if (closed()) return;
          report(`could not load the revocation list from Redis: ${errorMessage(error)}`, error);
          await delay(Math.max(0, reconnectStrategy(attempt)));
        }
      }
    } finally {
      syncing = false;
    }
  }

  function onMessage(message: string): void {
    const entry = decodeEntry(message);
    if (!entry) {
      report(`ignored a message on ${channel} that is not a revocation`);
      return;
    }
    mirror.apply(entry);
    for (const target of resyncTargets) target.apply(entry);
  }

  /** Opens a pub/sub connection; its events count only while it is the current one. */
  function openSubscriber(): RedisClient {
    const client = command.duplicate({
      socket: { ...(command.options?.socket as object | undefined), ...socket },
      disableOfflineQueue: true,
    }) as RedisClient;
    const current = () => client === subscriber;
    client.on('error', (error: unknown) => current() && lost(error));
    client.on('reconnecting', () => current() && lost());
    client.on('end', () => current() && lost());
    client.on('ready', () => {
      if (current()) void sync();
    });
    subscriber = client;
    client.connect().catch((error: unknown) => current() && lost(error));
    return client;
  }

  /**
   * A connection can die without the socket noticing (a frozen server, a dropped route): every
   * `heartbeatInterval` the subscriber must answer a PING within `commandTimeout`, or it is
   * replaced and the copy is untrusted until the new one has resynced.
   */
  let pinging = false;
  async function heartbeat(): Promise<void> {
    const client = subscriber;
    if (pinging || closed() || !client.isReady) return;
    pinging = true;
    try {
      await bounded(client.ping(), 'PING');
    } catch (error) {
      if (client !== subscriber || closed()) return;
      lost(error);
      openSubscriber();
      destroy(client);
    } finally {
      pinging = false;
    }
  }
  // Command failures surface as rejected revokes; this listener only keeps node-redis from
  // treating them as unhandled `error` events.
  const onCommandError = (error: unknown) => {
    lastError = error;
  };
  command.on('error', onCommandError);

  const sweepTimer = setInterval(() => mirror.sweep(now() / 1000), sweepInterval);
  sweepTimer.unref?.();

  const heartbeatTimer = setInterval(() => void heartbeat(), heartbeatInterval);
  heartbeatTimer.unref?.();

  if (!command.isOpen) command.connect().catch(onCommandError);
  openSubscriber();

  async function write(entry: RevocationEntry): Promise<void> {
    if (state === 'closed') throw unavailable('the revocation store is closed');
    const expiresAt = entryExpiresAt(entry, maxTokenLifetime);
    try {
      await bounded(
        command.eval(REVOKE_SCRIPT, {
          keys: [keyOf(entry)],
          arguments: [
            String(entry.value),
            expiresAt === undefined ? '' : String(Math.ceil(expiresAt * 1000)),
            channel,
            encodeEntry(entry),
          ],
        }),
        'the revocation',
      );
    } catch (error) {
      throw new AuthError(
        'revocation_unavailable',
        `could not record the revocation in Redis: ${errorMessage(error)}`,
        { cause: error, retryAfter },
      );
    }
    mirror.apply(entry);
  }

  return {
    get state() {
      return state;
    },
    get size() {
      return mirror.size;
    },
    get subjectCount() {
      return mirror.subjectCount;
    },
    async revoke(jti: string, until: Instant) {
      assertRevocationId(jti, 'revoke', 'jti');
      const entry: RevocationEntry = { kind: 'jti', id: jti, value: toEpochSeconds(until) };
      if (entryExpiresAt(entry, maxTokenLifetime)! <= now() / 1000) return;
      await write(entry);
    },
    async revokeSubject(sub: string, issuedBefore: Instant = new Date(now())) {
      assertRevocationId(sub, 'revokeSubject', 'sub');
      const entry: RevocationEntry = { kind: 'sub', id: sub, value: toEpochSeconds(issuedBefore) };
      const expiresAt = entryExpiresAt(entry, maxTokenLifetime);
      if (expiresAt !== undefined && expiresAt <= now() / 1000) return;
      await write(entry);
    },
    isRevoked(auth: AuthContext<any>, check?: RevocationCheck): boolean {
      if (state !== 'ready') {
        if (state === 'closed') throw unavailable('the revocation store is closed');
        if (!failOpen) {
          throw unavailable(
            state === 'connecting'
              ? 'the revocation list has not been loaded from Redis yet'
              : 'the revocation list cannot be trusted: the Redis pub/sub connection is down',
          );
        }
        if (!staleReported) {
          staleReported = true;
          report('failOpen: answering from a revocation list that may be stale', lastError);
        }
      }
      return mirror.isRevoked(auth, now() / 1000, check?.clockTolerance);
    },
    ready() {
      if (state === 'ready') return Promise.resolve();
      if (state === 'closed') return Promise.reject(unavailable('the revocation store is closed'));
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(
            unavailable(
              `could not connect to Redis and load the revocation list within ${connectTimeout} ms`,
            ),
          );
        }, connectTimeout);
        const waiter = {
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
          reject: (error: unknown) => {
            clearTimeout(timer);
            reject(error);
          },
        };
        waiters.add(waiter);
      });
    },
    async close() {
      if (state === 'closed') return;
      state = 'closed';
      clearInterval(sweepTimer);
      clearInterval(heartbeatTimer);
      for (const waiter of waiters) waiter.reject(unavailable('the revocation store was closed'));
      waiters.clear();
      destroy(subscriber);
      if (ownsCommandClient) {
        if (command.isReady) {
          await Promise.race([command.close(), delay(commandTimeout)]).catch(() => {});
        }
        if (command.isOpen) destroy(command);
      } else {
        command.off('error', onCommandError);
      }
    },
  };
}
