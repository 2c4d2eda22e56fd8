import { createHash } from 'node:crypto';
import { createClient } from '@redis/client';
import { createVerifier, type TokengateOptions } from '@tokengate/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type FakeIntrospection,
  startFakeIntrospection,
} from '../../core/test/oauth/introspection/fake-server.js';
import { createRedisIntrospectionCache, type RedisIntrospectionCache } from '../src/index.js';
import { RedisServer, uniquePrefix } from './helpers.js';

const AUDIENCE = 'https://api.example.test/';
let redis: RedisServer;
let as: FakeIntrospection;
const stores: RedisIntrospectionCache[] = [];
const open = (prefix: string) => {
  const store = createRedisIntrospectionCache({ url: redis.url, prefix });
  stores.push(store);
  return store;
};
const options = (store: RedisIntrospectionCache): TokengateOptions => ({
  audience: AUDIENCE,
  introspection: { endpoint: as.url, clientId: 'api', clientSecret: 's', cacheMaxAge: '1m', store },
});

beforeAll(async () => {
  redis = await RedisServer.start();
  as = await startFakeIntrospection();
  as.answers.set('opaque-shared-1', {
    active: true,
    sub: 'alice',
    scope: 'orders:read',
    aud: AUDIENCE,
    exp: Math.floor(Date.now() / 1000) + 30,
  });
});
afterAll(async () => {
  await Promise.all(stores.map((s) => s.close()));
  await as.close();
  await redis.kill();
});

describe('createRedisIntrospectionCache', () => {
  it('lets a second instance answer from Redis, keyed by the SHA-256 of the token, never past exp', async () => {
    const prefix = uniquePrefix();
    const [a, b] = [open(prefix), open(prefix)];
    await Promise.all([a.ready(), b.ready()]);
    expect((await createVerifier(options(a)).verify('opaque-shared-1')).subject).toBe('alice');
    expect(as.received).toHaveLength(1);
    const hash = createHash('sha256').update('opaque-shared-1').digest('base64url');
    const client = createClient({ url: redis.url });
    await client.connect();
    try {
      let keys: string[] = [];
      for (let i = 0; i < 50 && keys.length === 0; i++) {
        keys = await client.keys(`${prefix}*`);
        if (keys.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
      }
      expect(keys).toEqual([`${prefix}introspection:${hash}`]);
      expect(await client.get(keys[0]!)).not.toContain('opaque-shared-1');
      const ttl = await client.ttl(keys[0]!);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(30); // the token's exp, not cacheMaxAge (1 m)
    } finally {
      await client.quit();
    }
    const second = await createVerifier(options(b)).verify('opaque-shared-1');
    expect(second).toMatchObject({ tokenType: 'opaque', subject: 'alice' });
    expect(as.received).toHaveLength(1);
  });

  it('costs a round trip, never a refusal, when Redis is down', async () => {
    const down = createRedisIntrospectionCache({ url: 'redis://127.0.0.1:1', connectTimeout: '200ms' });
    stores.push(down);
    const before = as.received.length;
    expect((await createVerifier(options(down)).verify('opaque-shared-1')).subject).toBe('alice');
    expect(as.received.length).toBe(before + 1);
  });

  it('refuses unknown options at start-up', () => {
    expect(() => createRedisIntrospectionCache({ url: redis.url, ttl: 1 } as never)).toThrow(
      /unknown option `ttl`/,
    );
  });
});
