/**
 * Where a Redis store finds Redis, as the user gives it (`url | client | cluster | sentinel`),
 * checked at construction. Opening the connection is `connection.ts`.
 */
import type {
  RedisClientType,
  RedisClusterOptions,
  RedisClusterType,
  RedisSentinelOptions,
  RedisSentinelType,
} from '@redis/client';

/** A node-redis (`redis` / `@redis/client` v5 or later) client, whatever its modules and scripts. */
export type RedisClient = RedisClientType<any, any, any, any, any>;

/** A node-redis Redis Cluster client (`createCluster()`), whatever its modules and scripts. */
export type RedisCluster = RedisClusterType<any, any, any, any, any>;

/** A node-redis Sentinel client (`createSentinel()`), whatever its modules and scripts. */
export type RedisSentinel = RedisSentinelType<any, any, any, any, any>;

/**
 * Where a tokengate Redis store finds Redis: exactly one of `url`, `client`, `cluster` or
 * `sentinel`. Shared by every store of `@tokengate/redis`.
 */
export interface RedisConnectionOptions {
  /**
   * Redis URL, `redis[s]://[[user][:password]@]host[:port][/db]`. The store opens and closes its
   * own connections.
   */
  url?: string;
  /**
   * An existing node-redis client: a standalone client (`createClient()`), a Redis Cluster client
   * (`createCluster()`) or a Sentinel client (`createSentinel()`). The store uses it for commands
   * (connecting it if it is not open yet, never closing it) and opens its own pub/sub connection
   * to the node that holds its keys. Do not set `keyPrefix` on it; use the store's `prefix`.
   */
  client?: RedisClient | RedisCluster | RedisSentinel;
  /**
   * Redis Cluster, in node-redis's own `createCluster()` options (`rootNodes`, `defaults`, …);
   * the store creates, connects and closes the cluster client.
   */
  cluster?: RedisClusterOptions<any, any, any, any, any>;
  /**
   * Redis Sentinel, in node-redis's own `createSentinel()` options (`name`, `sentinelRootNodes`,
   * `nodeClientOptions`, …); the store creates, connects and closes the sentinel client.
   */
  sentinel?: RedisSentinelOptions<any, any, any, any, any>;
}

/** The connection options, checked: which one was given. */
export type CheckedConnectionOptions =
  | { readonly kind: 'url'; readonly url: string }
  | { readonly kind: 'client'; readonly client: RedisClient }
  | { readonly kind: 'cluster'; readonly cluster: RedisCluster; readonly owned: boolean }
  | { readonly kind: 'sentinel'; readonly sentinel: RedisSentinel; readonly owned: boolean }
  | { readonly kind: 'cluster-options'; readonly options: RedisClusterOptions<any, any, any, any, any> }
  | { readonly kind: 'sentinel-options'; readonly options: RedisSentinelOptions<any, any, any, any, any> };

/** The option names {@link checkConnectionOptions} reads. */
export const CONNECTION_OPTION_NAMES = ['url', 'client', 'cluster', 'sentinel'] as const;

function isCluster(client: object): client is RedisCluster {
  const c = client as { getNodeClientForKey?: unknown; masters?: unknown };
  return typeof c.getNodeClientForKey === 'function' && Array.isArray(c.masters);
}

function isSentinel(client: object): client is RedisSentinel {
  const c = client as { getMasterNode?: unknown; _execute?: unknown };
  return typeof c.getMasterNode === 'function' && typeof c._execute === 'function';
}

/**
 * Checks `url | client | cluster | sentinel` at construction: exactly one, of the right shape.
 * A mistake throws a `TypeError` naming `caller` and the option.
 */
export function checkConnectionOptions(
  options: RedisConnectionOptions,
  caller: string,
): CheckedConnectionOptions {
  const given = CONNECTION_OPTION_NAMES.filter((name) => options[name] !== undefined);
  if (given.length !== 1) {
    throw new TypeError(`${caller}: give exactly one of \`url\`, \`client\`, \`cluster\` or \`sentinel\``);
  }
  const { url, client, cluster, sentinel } = options;
  if (url !== undefined) {
    if (typeof url !== 'string' || url === '')
      throw new TypeError(`${caller}: url must be a non-empty string`);
    return { kind: 'url', url };
  }
  if (client !== undefined) {
    if (typeof client === 'object' && client !== null) {
      if (isCluster(client)) return { kind: 'cluster', cluster: client, owned: false };
      if (isSentinel(client)) return { kind: 'sentinel', sentinel: client, owned: false };
      if (typeof (client as { duplicate?: unknown }).duplicate === 'function') {
        return { kind: 'client', client: client as RedisClient };
      }
    }
    throw new TypeError(
      `${caller}: client must be a node-redis client (createClient(), createCluster() or createSentinel())`,
    );
  }
  if (cluster !== undefined) {
    if (
      typeof cluster !== 'object' ||
      cluster === null ||
      !Array.isArray(cluster.rootNodes) ||
      cluster.rootNodes.length === 0
    ) {
      throw new TypeError(
        `${caller}: cluster must be node-redis createCluster() options with a non-empty \`rootNodes\``,
      );
    }
    return { kind: 'cluster-options', options: cluster };
  }
  const s = sentinel as RedisSentinelOptions | null;
  if (
    typeof s !== 'object' ||
    s === null ||
    typeof s.name !== 'string' ||
    s.name === '' ||
    !Array.isArray(s.sentinelRootNodes) ||
    s.sentinelRootNodes.length === 0
  ) {
    throw new TypeError(
      `${caller}: sentinel must be node-redis createSentinel() options with \`name\` and a non-empty \`sentinelRootNodes\``,
    );
  }
  return { kind: 'sentinel-options', options: s };
}
