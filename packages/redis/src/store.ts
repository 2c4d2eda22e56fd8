import {
  type AuthContext,
  AuthError,
  type Instant,
  type RevocationCheck,
  type RevocationStore,
} from '@tokengate/core';
import { assertRevocationId, callHook, toEpochSeconds } from '@tokengate/core/adapter';
import { openConnection, type RedisClient } from './connection.js';
import { LOAD_SCRIPT, REVOKE_SCRIPT, revocationLayout } from './layout.js';
import {
  decodeEntry,
  encodeEntry,
  entryExpiresAt,
  type RevocationEntry,
  RevocationMirror,
} from './mirror.js';
import { type RedisRevocationStoreOptions, resolveOptions } from './options.js';

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

/** Revocations written back to Redis per round trip after it lost them. */
const WRITE_BACK_BATCH = 500;

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * A {@link RevocationStore} shared by every instance of an app through Redis (standalone, Redis
 * Cluster or Sentinel). Revoked `jti`s are Redis keys that expire with the token; subject
 * cut-offs are keys too; all of them, and the channel, live in one hash slot. Each instance keeps
 * a local copy, loaded at start, kept fresh by pub/sub and reloaded after every reconnect, so
 * `isRevoked` answers synchronously from memory.
 *
 * A reload never drops what the copy holds: revocations that Redis lacks (it restarted without
 * persistence, or a failover lost its latest writes) are written back, with their original
 * expiry, before the copy is trusted again. So no revocation is lost while any instance that saw
 * it is alive.
 *
 * While the pub/sub connection is down the copy may miss revocations made elsewhere: `isRevoked`
 * then throws an `AuthError` `revocation_unavailable` (503 with `Retry-After`) until the store
 * has reconnected, reloaded and written back, unless `failOpen` is set. `revoke` and
 * `revokeSubject` reject with the same error when Redis cannot record the revocation.
 * Configuration mistakes throw `TypeError` here.
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
 * @example Redis Cluster or Sentinel, in node-redis's own option shapes
 * ```ts
 * createRedisRevocationStore({ cluster: { rootNodes: [{ url: 'redis://10.0.0.1:7000' }] } });
 * createRedisRevocationStore({
 *   sentinel: { name: 'mymaster', sentinelRootNodes: [{ host: '10.0.0.1', port: 26379 }] },
 * });
 * ```
 */
export function createRedisRevocationStore(options: RedisRevocationStoreOptions): RedisRevocationStore {
  const {
    connection: connectionOptions,
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

  const layout = revocationLayout(prefix);
  const { channel } = layout;

  let lastError: unknown;
  // Command failures surface as rejected revokes; this listener only keeps node-redis from
  // treating them as unhandled `error` events.
  const connection = openConnection(connectionOptions, { connectTimeout, reconnectStrategy }, (error) => {
    lastError = error;
  });
  const { command } = connection;
  const publishCommand = connection.sharded ? 'SPUBLISH' : 'PUBLISH';

  /** The pub/sub connection, to the master that holds the keys; replaced whenever it fails. */
  let subscriber: RedisClient | undefined;
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
  /** The connection whose SUBSCRIBE was confirmed. */
  let subscribedClient: RedisClient | undefined;
  let syncing = false;
  let staleReported = false;
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
  }

  function setReady(): void {
    state = 'ready';
    openAttempt = 0;
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

  /** Records an entry in Redis (keeping a later one) and announces it; resolves to 1 if stored. */
  function store(entry: RevocationEntry): Promise<unknown> {
    const expiresAt = entryExpiresAt(entry, maxTokenLifetime);
    return command.eval(REVOKE_SCRIPT, {
      keys: [layout.keyOf(entry)],
      arguments: [
        String(entry.value),
        expiresAt === undefined ? '' : String(Math.ceil(expiresAt * 1000)),
        channel,
        encodeEntry(entry),
        publishCommand,
      ],
    });
  }

  /**
   * Loads every entry from Redis, writes back what Redis lacks (it lost data), then adds the
   * loaded entries to the copy. The copy never loses an entry to a reload.
   */
  async function resync(): Promise<void> {
    const fresh = new RevocationMirror(maxTokenLifetime);
    resyncTargets.add(fresh);
    try {
      let cursor = '0';
      do {
        const reply = (await bounded(
          command.eval(LOAD_SCRIPT, { keys: [channel], arguments: [cursor, layout.pattern, '1000'] }),
          'SCAN',
        )) as unknown[];
        cursor = String(reply[0]);
        for (let i = 1; i + 1 < reply.length; i += 2) {
          const entry = layout.parse(String(reply[i]), String(reply[i + 1]));
          if (entry) fresh.apply(entry);
        }
      } while (cursor !== '0' && !closed());
      const missing = mirror.missingFrom(fresh, now() / 1000);
      for (let i = 0; i < missing.length && !closed(); i += WRITE_BACK_BATCH) {
        const batch = missing.slice(i, i + WRITE_BACK_BATCH);
        await bounded(Promise.all(batch.map(store)), 'the write-back');
      }
      if (missing.length > 0) {
        report(
          `Redis was missing ${missing.length} revocation(s) this instance holds (it lost data, or a failover lost its latest writes): wrote them back`,
        );
      }
    } finally {
      resyncTargets.delete(fresh);
    }
    mirror.merge(fresh);
  }

  /** (Re)subscribes when needed and resyncs until the copy can be trusted for this connection. */
  async function sync(): Promise<void> {
    if (syncing) return;
    syncing = true;
    try {
      for (let attempt = 0; !closed() && subscriber?.isReady; attempt++) {
        const started = epoch;
        const client = subscriber;
        try {
          if (subscribedClient !== client) {
            await bounded(
              connection.sharded
                ? client.sSubscribe(channel, onMessage)
                : client.subscribe(channel, onMessage),
              'SUBSCRIBE',
            );
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

  let openAttempt = 0;
  let reopenTimer: ReturnType<typeof setTimeout> | undefined;

  /** Opens a new pub/sub connection after the backoff, unless one is already on its way. */
  function reopenSoon(): void {
    if (closed() || reopenTimer !== undefined) return;
    reopenTimer = setTimeout(
      () => {
        reopenTimer = undefined;
        void openSubscriber();
      },
      Math.max(0, reconnectStrategy(openAttempt++)),
    );
    reopenTimer.unref?.();
  }

  /** A pub/sub connection failed: the copy is untrusted until a new one has resynced. */
  function retire(client: RedisClient, error?: unknown): void {
    if (client !== subscriber) return;
    subscriber = undefined;
    subscribedClient = undefined;
    lost(error);
    destroy(client);
    reopenSoon();
  }

  /**
   * Opens a pub/sub connection to the master that holds the keys now (found again each time, so
   * a Cluster or Sentinel failover is followed). It never reconnects by itself: when it drops,
   * it is retired and a new one is opened, and the copy is reloaded.
   */
  async function openSubscriber(): Promise<void> {
    if (closed() || subscriber !== undefined) return;
    let client: RedisClient;
    try {
      client = await bounded(connection.pubSubClient(channel), 'where its master is');
    } catch (error) {
      lost(error);
      reopenSoon();
      return;
    }
    if (closed() || subscriber !== undefined) {
      destroy(client);
      return;
    }
    subscriber = client;
    client.on('error', (error: unknown) => retire(client, error));
    client.on('end', () => retire(client));
    client.on('sharded-channel-moved', () =>
      retire(client, new Error(`${channel} moved to another Redis Cluster node`)),
    );
    client.on('ready', () => {
      if (client === subscriber) void sync();
    });
    client.connect().catch((error: unknown) => retire(client, error));
  }

  /**
   * A connection can die without the socket noticing (a frozen server, a dropped route): every
   * `heartbeatInterval` the subscriber must answer a PING within `commandTimeout`, or it is
   * replaced and the copy is untrusted until the new one has resynced.
   */
  let pinging = false;
  async function heartbeat(): Promise<void> {
    const client = subscriber;
    if (pinging || closed() || !client?.isReady) return;
    pinging = true;
    try {
      await bounded(client.ping(), 'PING');
    } catch (error) {
      retire(client, error);
    } finally {
      pinging = false;
    }
  }

  const sweepTimer = setInterval(() => mirror.sweep(now() / 1000), sweepInterval);
  sweepTimer.unref?.();

  const heartbeatTimer = setInterval(() => void heartbeat(), heartbeatInterval);
  heartbeatTimer.unref?.();

  void openSubscriber();

  async function write(entry: RevocationEntry): Promise<void> {
    if (state === 'closed') throw unavailable('the revocation store is closed');
    try {
      await bounded(store(entry), 'the revocation');
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
      clearTimeout(reopenTimer);
      if (subscriber) destroy(subscriber);
      subscriber = undefined;
      await connection.close(commandTimeout);
    },
  };
}
