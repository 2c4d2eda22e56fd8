/**
 * Opening a connection to Redis, whatever the deployment (standalone, Cluster, Sentinel). Which
 * one the user asked for, checked, is `connection-options.ts`.
 */
import { createClient, createCluster, createSentinel } from '@redis/client';
import type {
  CheckedConnectionOptions,
  RedisClient,
  RedisCluster,
  RedisSentinel,
} from './connection-options.js';

/** What kind of Redis deployment a connection talks to. */
export type RedisConnectionKind = 'standalone' | 'cluster' | 'sentinel';

/** The commands the stores send: all through `EVAL`, each script touching one hash slot. */
export interface CommandClient {
  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
  readonly isOpen: boolean;
  readonly isReady: boolean;
  on(event: 'error', listener: (error: unknown) => void): unknown;
  off(event: 'error', listener: (error: unknown) => void): unknown;
}

/** Connection settings the stores apply to the connections they open. */
export interface ConnectionSettings {
  /** TCP connect timeout, in milliseconds. */
  readonly connectTimeout: number;
  /** Delay before reconnect attempt `attempt`, in milliseconds. */
  readonly reconnectStrategy: (attempt: number) => number;
}

/**
 * An open (or opening) way to Redis, whatever the deployment: commands go through `command`;
 * `pubSubClient(key)` gives a plain connection to the master that holds `key` now.
 */
export interface RedisConnection {
  readonly kind: RedisConnectionKind;
  readonly command: CommandClient;
  /**
   * Pub/sub for keys of one hash slot: sharded (`SSUBSCRIBE`/`SPUBLISH`) on Redis Cluster, so the
   * subscription lives on the very master that holds the keys; classic elsewhere.
   */
  readonly sharded: boolean;
  /**
   * A new, unconnected standalone client aimed at the master that serves `key` at this moment
   * (found again on every call, so a failover is followed), with the store's connection
   * settings and no reconnection of its own: when it drops, ask again.
   */
  pubSubClient(key: string): Promise<RedisClient>;
  /** Closes what the connection opened itself; a given client is left open. */
  close(timeoutMs: number): Promise<void>;
}

function destroy(client: { destroy(): unknown }): void {
  try {
    Promise.resolve(client.destroy()).catch(() => {});
  } catch {
    // already closed
  }
}

async function closeWithin(client: { close(): Promise<unknown>; destroy(): unknown }, timeoutMs: number) {
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([
    client.close().catch(() => {}),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
    }),
  ]).finally(() => clearTimeout(timer));
  destroy(client);
}

/**
 * Opens the connection described by checked options: creates and connects the client when the
 * store owns it, connects a given client that is not open yet, and reports command-connection
 * errors to `onError` (which keeps node-redis from treating them as unhandled).
 */
export function openConnection(
  checked: CheckedConnectionOptions,
  settings: ConnectionSettings,
  onError: (error: unknown) => void,
): RedisConnection {
  const socket = {
    connectTimeout: settings.connectTimeout,
    reconnectStrategy: (attempt: number) => Math.max(0, settings.reconnectStrategy(attempt)),
  };
  /** A pub/sub connection drops instead of reconnecting: the store finds the master again. */
  const pubSubOverrides = (from: RedisClient) => ({
    socket: {
      ...(from.options?.socket as object | undefined),
      connectTimeout: settings.connectTimeout,
      reconnectStrategy: false as const,
    },
    disableOfflineQueue: true,
  });
  const connect = (client: { isOpen: boolean; connect(): Promise<unknown> }) => {
    if (!client.isOpen) client.connect().catch(onError);
  };

  switch (checked.kind) {
    case 'url':
    case 'client': {
      const owned = checked.kind === 'url';
      const client =
        checked.kind === 'client'
          ? checked.client
          : (createClient({
              url: checked.url,
              socket,
              disableOfflineQueue: true,
              commandsQueueMaxLength: 10_000,
            }) as RedisClient);
      client.on('error', onError);
      connect(client);
      return {
        kind: 'standalone',
        command: client as unknown as CommandClient,
        sharded: false,
        pubSubClient: async () => client.duplicate(pubSubOverrides(client)) as RedisClient,
        async close(timeoutMs) {
          client.off('error', onError);
          if (!owned) return;
          if (client.isReady) await closeWithin(client, timeoutMs);
          else destroy(client);
        },
      };
    }
    case 'cluster':
    case 'cluster-options': {
      const owned = checked.kind === 'cluster-options';
      const cluster =
        checked.kind === 'cluster'
          ? checked.cluster
          : (createCluster({
              ...checked.options,
              // A failed master is noticed by its node client's reconnection attempts; look for
              // the promoted replica after 1 s of them rather than node-redis's default 5 s.
              topologyRefreshOnReconnectionAttemptStrategy:
                checked.options.topologyRefreshOnReconnectionAttemptStrategy ?? 1000,
              defaults: {
                disableOfflineQueue: true,
                ...checked.options.defaults,
                socket: { ...socket, ...checked.options.defaults?.socket },
              },
            }) as RedisCluster);
      cluster.on('error', onError);
      connect(cluster);
      let closed = false;
      return {
        kind: 'cluster',
        command: cluster as unknown as CommandClient,
        sharded: true,
        async pubSubClient(key) {
          // a cluster the store created whose discovery failed stays closed: try again
          if (owned && !cluster.isOpen && !closed) await cluster.connect();
          if (closed) throw new Error('closed');
          const node = (await cluster.getNodeClientForKey(key, false)) as RedisClient;
          return node.duplicate(pubSubOverrides(node)) as RedisClient;
        },
        async close(timeoutMs) {
          closed = true;
          cluster.off('error', onError);
          if (owned) await closeWithin(cluster, timeoutMs);
        },
      };
    }
    case 'sentinel':
    case 'sentinel-options': {
      const owned = checked.kind === 'sentinel-options';
      const sentinel =
        checked.kind === 'sentinel' ? checked.sentinel : (createSentinel(checked.options) as RedisSentinel);
      sentinel.on('error', onError);
      connect(sentinel);
      let closed = false;
      return {
        kind: 'sentinel',
        command: sentinel as unknown as CommandClient,
        sharded: false,
        // The sentinel client's own master connection, duplicated: its address and settings
        // (auth, TLS) are the current master's; `_execute` waits for one after a failover.
        async pubSubClient() {
          // a sentinel client the store created whose connection failed stays closed: try again
          if (owned && !sentinel.isOpen && !closed) await sentinel.connect();
          if (closed) throw new Error('closed');
          return (await sentinel._execute(false, async (master) =>
            master.duplicate(pubSubOverrides(master as RedisClient)),
          )) as RedisClient;
        },
        async close(timeoutMs) {
          closed = true;
          sentinel.off('error', onError);
          if (owned) await closeWithin(sentinel, timeoutMs);
        },
      };
    }
  }
}
