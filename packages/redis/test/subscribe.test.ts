/**
 * `subscribe`: the Redis store announces each revocation its local copy learns of — made on this
 * instance or on another one through pub/sub — so watchAuth can end held connections without
 * polling (one listener per store).
 */
import type { RevocationChange } from '@tokengate/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisRevocationStore, type RedisRevocationStore } from '../src/index.js';
import { RedisServer, uniquePrefix, waitFor } from './helpers.js';

let server: RedisServer;
const stores: RedisRevocationStore[] = [];

beforeAll(async () => {
  server = await RedisServer.start();
});

afterAll(async () => {
  await Promise.all(stores.map((s) => s.close()));
  await server?.kill();
});

describe('subscribe', () => {
  it('announces revocations made here and on another instance, once each, until unsubscribed', async () => {
    const prefix = uniquePrefix();
    const a = createRedisRevocationStore({ url: server.url, prefix });
    const b = createRedisRevocationStore({ url: server.url, prefix });
    stores.push(a, b);
    await Promise.all([a.ready(), b.ready()]);
    const heard: RevocationChange[] = [];
    const unsubscribe = b.subscribe((change) => heard.push(change));
    const exp = Math.floor(Date.now() / 1000) + 600;

    await a.revoke('jti-1', exp);
    await waitFor(() => heard.length === 1);
    expect(heard).toEqual([{ claim: 'jti', value: 'jti-1' }]);
    // Announced once the copy answers with it.
    expect(b.isRevoked({ payload: { jti: 'jti-1' } } as never)).toBe(true);

    await a.revokeSubject('alice');
    await b.revoke('jti-2', exp);
    await waitFor(() => heard.length === 3);
    expect(heard.slice(1)).toEqual(
      expect.arrayContaining([
        { claim: 'sub', value: 'alice' },
        { claim: 'jti', value: 'jti-2' },
      ]),
    );

    // A revocation the copy already holds changes nothing and is not announced again.
    await a.revoke('jti-1', exp);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(heard).toHaveLength(3);
    unsubscribe();
    await a.revoke('jti-3', exp);
    await waitFor(() => b.size === 3);
    expect(heard).toHaveLength(3);
  });
});
