import {
  type AuthContext,
  AuthError,
  type Instant,
  type RevocationChange,
  type RevocationCheck,
  type RevocationStore,
} from '@tokengate/core';
import {
  callHook,
  createRevocationChanges,
  toEpochSeconds,
  validateRevocationId,
} from '@tokengate/core/adapter';
import { openConnection } from './connection.js';
import { revocationLayout } from './layout.js';
import { entryExpiresAt, type RevocationEntry, RevocationMirror } from './mirror.js';
import { type RedisRevocationStoreOptions, resolveOptions } from './options.js';
import { type Schedule, startSyncMachine } from './sync-machine.js';
import { revocationCommands } from './sync-redis.js';
import type { SyncEvent, SyncState } from './sync-states.js';

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
  /**
   * Calls `listener` for each revocation the local copy learns of: made on this instance, on
   * another one (through pub/sub, within milliseconds), or found in Redis by a reload after a
   * reconnect. `watchAuth` ends the connections it revokes. Returns the unsubscribe function.
   */
  subscribe(listener: (change: RevocationChange) => void): () => void;
  /** Where the store stands: `'connecting'`, `'ready'`, `'unavailable'` or `'closed'`. */
  readonly state: RedisRevocationStoreState;
  /** Number of revoked `jti`s in the local copy. */
  readonly size: number;
  /** Number of subject cut-offs in the local copy. */
  readonly subjectCount: number;
  /** Number of revoked sessions in the local copy. */
  readonly sessionCount: number;
  /**
   * Revokes a login session's tokens (see {@link RevocationStore.revokeSession}): stored in Redis,
   * announced to every instance, written back after Redis loses it like every revocation, and
   * forgotten `maxTokenLifetime` (default 24 hours) plus 10 minutes after the cut-off.
   */
  revokeSession(sid: string, issuedBefore?: Instant): Promise<void>;
}

/** The machine's timers on the process's own, which never keep the process alive. */
const realSchedule: Schedule = (ms, fire) => {
  const timer = setTimeout(fire, ms);
  timer.unref?.();
  return () => clearTimeout(timer);
};

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * A {@link RevocationStore} shared by every instance of an app through Redis (standalone, Redis
 * Cluster or Sentinel). Revoked `jti`s are Redis keys that expire with the token; subject
 * cut-offs and revoked sessions (`revokeSession`, expiring 24 hours or `maxTokenLifetime` after
 * the logout) are keys too; all of them, and the channel, live in one hash slot. Each instance keeps
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
 * has reconnected, reloaded and written back, unless `failOpen` is set. `revoke`,
 * `revokeSubject` and `revokeSession` reject with the same error when Redis cannot record the revocation.
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

  /** The latest Redis error from any connection: the `cause` of the 503s. */
  let lastError: unknown;
  /** With `failOpen`: whether this outage's first stale answer was reported. */
  let staleReported = false;
  const waiters = new Set<{ resolve: () => void; reject: (error: unknown) => void }>();

  // Command failures surface as rejected revokes; this listener only keeps node-redis from
  // treating them as unhandled `error` events.
  const connection = openConnection(connectionOptions, { connectTimeout, reconnectStrategy }, (error) => {
    lastError = error;
  });
  const layout = revocationLayout(prefix);
  const commands = revocationCommands(connection, layout, {
    commandTimeout,
    heartbeatInterval,
    maxTokenLifetime,
  });

  function report(message: string, cause?: unknown): void {
    const error = new AuthError('revocation_unavailable', message, { cause, retryAfter });
    callHook(onError, { error }, '@tokengate/redis onError');
  }

  function unavailable(message: string): AuthError {
    return new AuthError('revocation_unavailable', message, { cause: lastError, retryAfter });
  }

  /** What the outside sees of each transition: the 503's cause, `onError`, `ready()`. */
  function onTransition(from: SyncState, to: SyncState, event: SyncEvent): void {
    if ('error' in event && event.error !== undefined) lastError = event.error;
    if (from.name === 'serving' && to.name !== 'closed') {
      staleReported = false;
      report(
        'lost the Redis pub/sub connection: revocations made elsewhere may be missed until it reconnects and resyncs',
        lastError,
      );
    }
    if (to.name === 'retrying' && event.type === 'failed') {
      report(`could not load the revocation list from Redis: ${errorMessage(event.error)}`, event.error);
    }
    if (to.name === 'serving') {
      for (const waiter of waiters) waiter.resolve();
      waiters.clear();
    }
  }

  // Every change of the copy, wherever it came from, is announced to `subscribe`rs (watchAuth).
  const changes = createRevocationChanges();
  const mirror = new RevocationMirror(maxTokenLifetime, (entry) =>
    changes.notify({ claim: entry.kind, value: entry.id }),
  );
  const machine = startSyncMachine({
    port: commands,
    mirror,
    newCopy: () => new RevocationMirror(maxTokenLifetime),
    channel: layout.channel,
    now,
    schedule: realSchedule,
    reconnectStrategy,
    report: (message) => report(message),
    onTransition,
  });

  /** The copy's upkeep, for the store's whole life: drops entries Redis has expired too. */
  const sweepTimer = setInterval(() => mirror.sweep(now() / 1000), sweepInterval);
  sweepTimer.unref?.();

  async function write(entry: RevocationEntry): Promise<void> {
    if (machine.state.name === 'closed') throw unavailable('the revocation store is closed');
    try {
      await commands.record(entry);
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
      return machine.state.status;
    },
    get size() {
      return mirror.size;
    },
    get subjectCount() {
      return mirror.subjectCount;
    },
    get sessionCount() {
      return mirror.sessionCount;
    },
    async revoke(jti: string, until: Instant) {
      validateRevocationId(jti, 'revoke', 'jti');
      const entry: RevocationEntry = { kind: 'jti', id: jti, value: toEpochSeconds(until) };
      if (entryExpiresAt(entry, maxTokenLifetime)! <= now() / 1000) return;
      await write(entry);
    },
    async revokeSubject(sub: string, issuedBefore: Instant = new Date(now())) {
      validateRevocationId(sub, 'revokeSubject', 'sub');
      const entry: RevocationEntry = { kind: 'sub', id: sub, value: toEpochSeconds(issuedBefore) };
      const expiresAt = entryExpiresAt(entry, maxTokenLifetime);
      if (expiresAt !== undefined && expiresAt <= now() / 1000) return;
      await write(entry);
    },
    async revokeSession(sid: string, issuedBefore: Instant = new Date(now())) {
      validateRevocationId(sid, 'revokeSession', 'sid');
      const entry: RevocationEntry = { kind: 'sid', id: sid, value: toEpochSeconds(issuedBefore) };
      if (entryExpiresAt(entry, maxTokenLifetime)! <= now() / 1000) return;
      await write(entry);
    },
    isRevoked(auth: AuthContext<any>, check?: RevocationCheck): boolean {
      const status = machine.state.status;
      if (status !== 'ready') {
        if (status === 'closed') throw unavailable('the revocation store is closed');
        if (!failOpen) {
          throw unavailable(
            status === 'connecting'
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
    subscribe: changes.subscribe,
    ready() {
      const status = machine.state.status;
      if (status === 'ready') return Promise.resolve();
      if (status === 'closed') return Promise.reject(unavailable('the revocation store is closed'));
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
      if (machine.state.name === 'closed') return;
      machine.dispatch({ type: 'close' });
      clearInterval(sweepTimer);
      for (const waiter of waiters) waiter.reject(unavailable('the revocation store was closed'));
      waiters.clear();
      await connection.close(commandTimeout);
    },
  };
}
