export {
  createRedisRevocationStore,
  type RedisClient,
  type RedisRevocationStore,
  type RedisRevocationStoreOptions,
  type RedisRevocationStoreState,
} from './store.js';
