export type {
  RedisClient,
  RedisCluster,
  RedisConnectionOptions,
  RedisSentinel,
} from './connection-options.js';
export { createRedisKeyCache, type RedisKeyCache, type RedisKeyCacheOptions } from './key-cache.js';
export {
  createRedisIntrospectionCache,
  type RedisIntrospectionCache,
  type RedisIntrospectionCacheOptions,
} from './introspection.js';
export type { RedisRevocationErrorEvent, RedisRevocationStoreOptions } from './options.js';
export { createRedisReplayStore, type RedisReplayStore, type RedisReplayStoreOptions } from './replay.js';
export {
  createRedisRevocationStore,
  type RedisRevocationStore,
  type RedisRevocationStoreState,
} from './store.js';
