export type { RedisClient, RedisRevocationErrorEvent, RedisRevocationStoreOptions } from './options.js';
export {
  createRedisRevocationStore,
  type RedisRevocationStore,
  type RedisRevocationStoreState,
} from './store.js';
