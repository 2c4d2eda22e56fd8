import { authenticate, createVerifier, isAuthError } from '@tokengate/core';
import { createDpopClient, createTestIssuer } from '@tokengate/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisReplayStore, type RedisReplayStore } from '../src/index.js';
import { RedisServer, uniquePrefix } from './helpers.js';

let redis: RedisServer;
const stores: RedisReplayStore[] = [];
const open = (options: Partial<Parameters<typeof createRedisReplayStore>[0]> = {}) => {
  const store = createRedisReplayStore({ url: redis.url, prefix: uniquePrefix(), ...options });
  stores.push(store);
  return store;
};

beforeAll(async () => {
  redis = await RedisServer.start();
});
afterAll(async () => {
  await Promise.all(stores.map((s) => s.close()));
  await redis.kill();
});

describe('createRedisReplayStore', () => {
  it('marks an id once: of concurrent attempts from two stores exactly one wins (SET NX)', async () => {
    const prefix = uniquePrefix();
    const a = open({ prefix });
    const b = open({ prefix });
    await Promise.all([a.ready(), b.ready()]);
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).markUsed('jkt:jti-1', 60)),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await a.markUsed('jkt:jti-2', 60)).toBe(true);
  });

  it('forgets an id after its lifetime', async () => {
    const store = open();
    expect(await store.markUsed('jkt:short', 0.05)).toBe(true);
    expect(await store.markUsed('jkt:short', 0.05)).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 120));
    expect(await store.markUsed('jkt:short', 0.05)).toBe(true);
  });

  it('refuses bad options at construction', () => {
    expect(() => createRedisReplayStore({} as never)).toThrow(TypeError);
    expect(() => createRedisReplayStore({ url: redis.url, bogus: 1 } as never)).toThrow(/unknown option/);
    expect(() => createRedisReplayStore({ url: redis.url, failOpen: 'yes' } as never)).toThrow(/failOpen/);
  });

  it('fails closed with 503 replay_unavailable when Redis is down, open only when asked', async () => {
    const down = await RedisServer.start();
    const closed = createRedisReplayStore({
      url: down.url,
      commandTimeout: '200ms',
      connectTimeout: '200ms',
    });
    const opened = createRedisReplayStore({
      url: down.url,
      commandTimeout: '200ms',
      connectTimeout: '200ms',
      failOpen: true,
    });
    stores.push(closed, opened);
    await Promise.all([closed.ready(), opened.ready()]);
    await down.kill();
    await expect(closed.markUsed('jkt:x', 60)).rejects.toThrow(/cannot be reached/);
    expect(await opened.markUsed('jkt:x', 60)).toBe(true);

    const idp = await createTestIssuer({ alg: 'ES256', audience: 'api' });
    const client = await createDpopClient();
    const token = await idp.sign({ sub: 'alice' }, { dpop: client });
    const verifier = createVerifier({
      publicKey: idp.publicKeyPem!,
      audience: 'api',
      dpop: { replay: closed },
    });
    const url = 'https://api.test/orders';
    const proof = await client.proof({ method: 'GET', url, accessToken: token });
    const headers: Record<string, string> = { authorization: `DPoP ${token}`, dpop: proof, host: 'api.test' };
    const error = await authenticate(verifier, {
      method: 'GET',
      url: '/orders',
      secure: true,
      header: (name) => headers[name],
      raw: {},
    }).catch((e: unknown) => e);
    expect(isAuthError(error) && error.code).toBe('replay_unavailable');
    expect(isAuthError(error) && error.status).toBe(503);
    expect(isAuthError(error) && error.headers['Retry-After']).toBeDefined();
  });
});
