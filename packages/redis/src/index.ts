export type {
  RedisClient,
  RedisCluster,
  RedisConnectionOptions,
  RedisSentinel,
} from './connection.js';
export type { RedisRevocationErrorEvent, RedisRevocationStoreOptions } from './options.js';
export {
  createRedisRevocationStore,
  type RedisRevocationStore,
  type RedisRevocationStoreState,
} from './store.js';
