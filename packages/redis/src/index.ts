export {
  createRedisRevocationStore,
  type RedisClient,
  type RedisRevocationErrorEvent,
  type RedisRevocationStore,
  type RedisRevocationStoreOptions,
  type RedisRevocationStoreState,
} from './store.js';
