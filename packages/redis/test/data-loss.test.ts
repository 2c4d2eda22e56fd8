import { createClient } from '@redis/client';
import { type AuthError, isAuthError, REVOCATION_LEEWAY_SECONDS } from '@tokengate/core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createRedisRevocationStore, type RedisClient, type RedisRevocationStore } from '../src/index.js';
import { authFor, RedisServer, thrown, uniquePrefix, waitFor } from './helpers.js';

let server: RedisServer;
const stores: RedisRevocationStore[] = [];

function store(options: Parameters<typeof createRedisRevocationStore>[0]): RedisRevocationStore {
  const created = createRedisRevocationStore(options);
  stores.push(created);
  return created;
}

beforeAll(async () => {
  server = await RedisServer.start(); // --save '' --appendonly no: a restart comes back empty
});

afterEach(async () => {
  await Promise.all(stores.splice(0).map((s) => s.close()));
});

afterAll(async () => {
  await server?.kill();
});

const nowSeconds = () => Math.floor(Date.now() / 1000);

describe('Redis restarted without persistence', () => {
  it('revocations made before the kill hold on both instances afterwards, and on one started after the restart', async () => {
    const prefix = uniquePrefix();
    const lifetime = 3600;
    const events: AuthError[] = [];
    const options = { url: server.url, prefix, maxTokenLifetime: lifetime, commandTimeout: '500ms' };
    const a = store({ ...options, onError: ({ error }) => events.push(error) });
    const b = store({ ...options, onError: ({ error }) => events.push(error) });
    await Promise.all([a.ready(), b.ready()]);

    const t = nowSeconds();
    const revoked = Array.from({ length: 40 }, (_, i) => ({ jti: `gone-${i}`, until: t + 600 + i }));
    for (const [i, { jti, until }] of revoked.entries()) await (i % 2 ? a : b).revoke(jti, until);
    await a.revokeSubject('dana', t - 10);
    await b.revokeSubject('dana', t); // the later cut-off wins everywhere
    await waitFor(() => a.size === 40 && b.size === 40 && b.isRevoked(authFor({ sub: 'dana', iat: t - 1 })));

    const refusesEverything = (s: RedisRevocationStore) => {
      for (const { jti } of revoked) expect(s.isRevoked(authFor({ jti, sub: 'x', iat: t }))).toBe(true);
      expect(s.isRevoked(authFor({ sub: 'dana', iat: t - 1 }))).toBe(true);
      expect(s.isRevoked(authFor({ sub: 'dana', iat: t + 6 }))).toBe(false); // past the cut-off + the default 5 s tolerance
      expect(s.isRevoked(authFor({ jti: 'never-revoked', sub: 'x', iat: t }))).toBe(false);
    };

    await server.kill();
    await waitFor(() => a.state === 'unavailable' && b.state === 'unavailable', 3000);
    const error = thrown(() => a.isRevoked(authFor({ jti: 'gone-0' })));
    expect(isAuthError(error) && error.code === 'revocation_unavailable' && error.status === 503).toBe(true);

    await server.start();
    await Promise.all([a.ready(), b.ready()]);
    refusesEverything(a);
    refusesEverything(b);
    expect(events.some((e) => /Redis was missing \d+ revocation/.test(e.detail ?? e.message))).toBe(true);

    // what the instances wrote back carries each record's original expiry and the later cut-off
    const raw = createClient({ url: server.url }) as RedisClient;
    raw.on('error', () => {});
    await raw.connect();
    try {
      for (const { jti, until } of revoked) {
        expect(await raw.get(`{${prefix}}jti:${jti}`)).toBe(String(until));
        expect(await raw.pExpireTime(`{${prefix}}jti:${jti}`)).toBe(
          (until + REVOCATION_LEEWAY_SECONDS) * 1000,
        );
      }
      expect(await raw.get(`{${prefix}}sub:dana`)).toBe(String(t));
      expect(await raw.pExpireTime(`{${prefix}}sub:dana`)).toBe(
        (t + lifetime + 2 * REVOCATION_LEEWAY_SECONDS) * 1000, // two leeways: the cut-off also covers clockTolerance
      );
    } finally {
      raw.destroy();
    }

    // an instance started after the data loss learns what the others wrote back
    const c = store(options);
    await c.ready();
    refusesEverything(c);
    expect(c.size).toBe(40);
  });

  it('fails closed until the write-back is done, and says how much it wrote back', async () => {
    const prefix = uniquePrefix();
    const seen: { message: string; state: string; answer: unknown }[] = [];
    const a: RedisRevocationStore = store({
      url: server.url,
      prefix,
      commandTimeout: '500ms',
      onError: ({ error }) => {
        if (!(error.detail ?? error.message).includes('wrote them back')) return;
        seen.push({
          message: error.detail ?? error.message,
          state: a.state,
          answer: thrown(() => a.isRevoked(authFor({ jti: 'only-on-a' }))),
        });
      },
    });
    await a.ready();
    const until = nowSeconds() + 600;
    for (let i = 0; i < 3; i++) await a.revoke(`only-on-a-${i}`, until);
    await a.revoke('only-on-a', until);

    await server.kill();
    await waitFor(() => a.state === 'unavailable', 3000);
    await server.start();
    await a.ready();
    expect(seen).toHaveLength(1);
    expect(seen[0]!.message).toMatch(/missing 4 revocation/);
    expect(seen[0]!.state).toBe('unavailable');
    expect((seen[0]!.answer as AuthError).code).toBe('revocation_unavailable');
    expect(a.isRevoked(authFor({ jti: 'only-on-a' }))).toBe(true);
  });
});
