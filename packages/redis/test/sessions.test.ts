/**
 * Revoked sessions (`revokeSession`, back-channel logout) in the Redis store, as jtis and subjects
 * are: mirrored in every instance's copy, carried by pub/sub within a second, written back after
 * Redis loses its data, and expiring in Redis (and in the copies) 24 hours — or
 * `maxTokenLifetime` — plus two leeways after the cut-off.
 */
import { performance } from 'node:perf_hooks';
import { createClient } from '@redis/client';
import { REVOCATION_LEEWAY_SECONDS, SESSION_RETENTION_SECONDS } from '@tokengate/core/adapter';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createRedisRevocationStore, type RedisClient, type RedisRevocationStore } from '../src/index.js';
import { decodeEntry, encodeEntry, RevocationMirror } from '../src/mirror.js';
import { authFor, RedisServer, uniquePrefix, waitFor } from './helpers.js';

let server: RedisServer;
let raw: RedisClient;
const stores: RedisRevocationStore[] = [];

function store(options: Parameters<typeof createRedisRevocationStore>[0]): RedisRevocationStore {
  const created = createRedisRevocationStore(options);
  stores.push(created);
  return created;
}

beforeAll(async () => {
  server = await RedisServer.start(); // no persistence: a restart comes back empty
  raw = createClient({ url: server.url }) as RedisClient;
  raw.on('error', () => {});
  await raw.connect();
});

afterEach(async () => {
  await Promise.all(stores.splice(0).map((s) => s.close()));
});

afterAll(async () => {
  raw?.destroy();
  await server?.kill();
});

const nowSeconds = () => Math.floor(Date.now() / 1000);

describe('revokeSession', () => {
  it("revokes the session's tokens on the other instance within a second, not newer ones nor other sessions", async () => {
    const prefix = uniquePrefix();
    const a = store({ url: server.url, prefix });
    const b = store({ url: server.url, prefix });
    await Promise.all([a.ready(), b.ready()]);
    const samples: number[] = [];
    for (let i = 0; i < 10; i++) {
      const t = nowSeconds();
      const token = authFor({ sid: `sid-${i}`, sub: 'alice', iat: t - 30, exp: t + 600 });
      expect(b.isRevoked(token)).toBe(false);
      const start = performance.now();
      await a.revokeSession(`sid-${i}`);
      expect(a.isRevoked(token)).toBe(true);
      await waitFor(() => b.isRevoked(token), 1000);
      samples.push(performance.now() - start);
      // a token minted for the session after the logout (offline_access refresh), beyond the tolerance
      expect(b.isRevoked(authFor({ sid: `sid-${i}`, iat: t + 10, exp: t + 600 }))).toBe(false);
      expect(b.isRevoked(authFor({ sid: `sid-${i}`, exp: t + 600 }))).toBe(true); // no iat
      expect(b.isRevoked(authFor({ sid: 'another', sub: 'alice', iat: t - 30, exp: t + 600 }))).toBe(false);
    }
    samples.sort((x, y) => x - y);
    console.log(
      `[redis] session revocation seen by a second instance (n=10): median ${samples[5]!.toFixed(2)} ms, max ${samples[9]!.toFixed(2)} ms`,
    );
    expect(b.sessionCount).toBe(10);
  });

  it('expires in Redis 24 h (or maxTokenLifetime) plus two leeways after the cut-off', async () => {
    const prefix = uniquePrefix();
    const a = store({ url: server.url, prefix });
    const t = nowSeconds();
    await a.ready();
    await a.revokeSession('s-default', t);
    expect(await raw.get(`{${prefix}}sid:s-default`)).toBe(String(t));
    expect(await raw.pExpireTime(`{${prefix}}sid:s-default`)).toBe(
      (t + SESSION_RETENTION_SECONDS + 2 * REVOCATION_LEEWAY_SECONDS) * 1000,
    );
    const prefix2 = uniquePrefix();
    const c = store({ url: server.url, prefix: prefix2, maxTokenLifetime: '1h' });
    await c.ready();
    await c.revokeSession('s-hour', t);
    expect(await raw.pExpireTime(`{${prefix2}}sid:s-hour`)).toBe(
      (t + 3600 + 2 * REVOCATION_LEEWAY_SECONDS) * 1000,
    );
    // a cut-off whose tokens have all expired is not written at all
    await c.revokeSession('s-old', t - 3600 - 2 * REVOCATION_LEEWAY_SECONDS - 1);
    expect(await raw.exists(`{${prefix2}}sid:s-old`)).toBe(0);
  });

  it('a later cut-off wins; an earlier one does not move it back', async () => {
    const prefix = uniquePrefix();
    const a = store({ url: server.url, prefix });
    const b = store({ url: server.url, prefix });
    await Promise.all([a.ready(), b.ready()]);
    const t = nowSeconds();
    await a.revokeSession('s', t);
    await b.revokeSession('s', t - 100);
    expect(await raw.get(`{${prefix}}sid:s`)).toBe(String(t));
    await waitFor(() => b.isRevoked(authFor({ sid: 's', iat: t - 1 })), 1000);
  });

  it('is written back after Redis restarts without its data, and a new instance learns it', async () => {
    const prefix = uniquePrefix();
    const options = { url: server.url, prefix, commandTimeout: '500ms' };
    const a = store(options);
    await a.ready();
    const t = nowSeconds();
    await a.revokeSession('survivor', t);
    await server.kill();
    await waitFor(() => a.state === 'unavailable', 3000);
    await server.start();
    await a.ready();
    const check = createClient({ url: server.url }) as RedisClient;
    check.on('error', () => {});
    await check.connect();
    try {
      expect(await check.get(`{${prefix}}sid:survivor`)).toBe(String(t));
      expect(await check.pExpireTime(`{${prefix}}sid:survivor`)).toBe(
        (t + SESSION_RETENTION_SECONDS + 2 * REVOCATION_LEEWAY_SECONDS) * 1000,
      );
    } finally {
      check.destroy();
    }
    const c = store(options);
    await c.ready();
    expect(c.isRevoked(authFor({ sid: 'survivor', iat: t - 1 }))).toBe(true);
    expect(c.sessionCount).toBe(1);
    // the shared client of this file reconnects to the restarted server
    raw.destroy();
    raw = createClient({ url: server.url }) as RedisClient;
    raw.on('error', () => {});
    await raw.connect();
  });

  it('refuses an identifier no token can carry', async () => {
    const a = store({ url: server.url, prefix: uniquePrefix() });
    await a.ready();
    await expect(a.revokeSession('')).rejects.toThrow(TypeError);
    await expect(a.revokeSession('x\ud800')).rejects.toThrow(TypeError);
  });
});

describe('the copy', () => {
  it('forgets a session once its tokens have all expired, and carries sessions on the channel', () => {
    const copy = new RevocationMirror(undefined);
    const t = 1_800_000_000;
    copy.apply({ kind: 'sid', id: 's', value: t });
    const token = authFor({ sid: 's', iat: t - 1 });
    const end = t + SESSION_RETENTION_SECONDS + 2 * REVOCATION_LEEWAY_SECONDS;
    expect(copy.isRevoked(token, end - 1)).toBe(true);
    expect(copy.isRevoked(token, end)).toBe(false);
    copy.sweep(end - 1);
    expect(copy.sessionCount).toBe(1);
    copy.sweep(end);
    expect(copy.sessionCount).toBe(0);
    expect(decodeEntry(encodeEntry({ kind: 'sid', id: 's', value: t }))).toEqual({
      kind: 'sid',
      id: 's',
      value: t,
    });
  });
});
