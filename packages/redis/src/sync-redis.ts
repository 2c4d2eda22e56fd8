/**
 * The revocation store's Redis side: its commands (each bounded by `commandTimeout`), and the
 * {@link SyncPort} and {@link PubSubLink} the sync machine drives, on node-redis.
 */
import { bounded } from './bounded.js';
import type { RedisConnection } from './connection.js';
import type { RedisClient } from './connection-options.js';
import { LOAD_SCRIPT, REVOKE_SCRIPT, type RevocationLayout } from './layout.js';
import { encodeEntry, entryExpiresAt, type RevocationEntry, type RevocationMirror } from './mirror.js';
import type { SyncPort } from './sync-machine.js';
import type { PubSubLink } from './sync-states.js';

/** Revocations written back to Redis per round trip after it lost them. */
const WRITE_BACK_BATCH = 500;

/** Settings of {@link revocationCommands}. */
export interface CommandSettings {
  /** Longest wait for one round trip, in milliseconds. */
  readonly commandTimeout: number;
  /** How often a pub/sub link must answer a PING within `commandTimeout`, in milliseconds. */
  readonly heartbeatInterval: number;
  /** Seconds a subject cut-off outlives itself (`undefined`: forever). */
  readonly maxTokenLifetime: number | undefined;
}

/** What the store sends to Redis: revocations, and the machine's port. */
export interface RevocationCommands extends SyncPort {
  /** Records an entry in Redis (keeping a later one) and announces it; bounded. */
  record(entry: RevocationEntry): Promise<unknown>;
}

/** The store's commands over `connection`, for the keys and channel of `layout`. */
export function revocationCommands(
  connection: RedisConnection,
  layout: RevocationLayout,
  settings: CommandSettings,
): RevocationCommands {
  const { commandTimeout, maxTokenLifetime } = settings;
  const { command } = connection;
  const { channel } = layout;
  const publishCommand = connection.sharded ? 'SPUBLISH' : 'PUBLISH';

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

  return {
    record: (entry) => bounded(store(entry), 'the revocation', commandTimeout),

    async load(into: RevocationMirror, wanted: () => boolean) {
      let cursor = '0';
      do {
        const reply = (await bounded(
          command.eval(LOAD_SCRIPT, { keys: [channel], arguments: [cursor, layout.pattern, '1000'] }),
          'SCAN',
          commandTimeout,
        )) as unknown[];
        cursor = String(reply[0]);
        for (let i = 1; i + 1 < reply.length; i += 2) {
          const entry = layout.parse(String(reply[i]), String(reply[i + 1]));
          if (entry) into.apply(entry);
        }
      } while (cursor !== '0' && wanted());
    },

    async writeBack(entries: readonly RevocationEntry[], wanted: () => boolean) {
      for (let i = 0; i < entries.length && wanted(); i += WRITE_BACK_BATCH) {
        const batch = entries.slice(i, i + WRITE_BACK_BATCH);
        await bounded(Promise.all(batch.map(store)), 'the write-back', commandTimeout);
      }
    },

    async openLink() {
      const client = await bounded(connection.pubSubClient(channel), 'where its master is', commandTimeout);
      return pubSubLink(client, connection.sharded, channel, settings);
    },
  };
}

/**
 * A pub/sub connection as a {@link PubSubLink}. It never reconnects by itself: an error, its end,
 * or its channel moving to another Cluster node is `lost`. Once ready, it must answer a PING every
 * `heartbeatInterval` within `commandTimeout` (a socket can stay open while nothing answers: a
 * frozen server, a dropped route), or it is `lost` too. The heartbeat is its own: it stops when
 * the link is destroyed.
 */
export function pubSubLink(
  client: RedisClient,
  sharded: boolean,
  channel: string,
  settings: Pick<CommandSettings, 'commandTimeout' | 'heartbeatInterval'>,
): PubSubLink {
  let events: { ready(): void; lost(error?: unknown): void } | undefined;
  let destroyed = false;
  let heartbeat: ReturnType<typeof setInterval> | undefined;
  let pinging = false;

  const lost = (error?: unknown) => {
    if (!destroyed) events?.lost(error);
  };
  async function ping(): Promise<void> {
    if (pinging || destroyed || !client.isReady) return;
    pinging = true;
    try {
      await bounded(client.ping(), 'PING', settings.commandTimeout);
    } catch (error) {
      lost(error);
    } finally {
      pinging = false;
    }
  }

  client.on('error', (error: unknown) => lost(error));
  client.on('end', () => lost());
  client.on('sharded-channel-moved', () => lost(new Error(`${channel} moved to another Redis Cluster node`)));
  client.on('ready', () => {
    if (destroyed) return;
    if (heartbeat === undefined) {
      heartbeat = setInterval(() => void ping(), settings.heartbeatInterval);
      heartbeat.unref?.();
    }
    events?.ready();
  });

  return {
    connect(listeners) {
      events = listeners;
      try {
        client.connect().catch(lost);
      } catch (error) {
        lost(error);
      }
    },
    subscribe: (onMessage) =>
      bounded(
        sharded ? client.sSubscribe(channel, onMessage) : client.subscribe(channel, onMessage),
        'SUBSCRIBE',
        settings.commandTimeout,
      ),
    get isReady() {
      return client.isReady;
    },
    destroy() {
      destroyed = true;
      clearInterval(heartbeat);
      try {
        client.destroy();
      } catch {
        // already closed
      }
    },
  };
}
