import { performance } from 'node:perf_hooks';
import { createClient } from '@redis/client';
import { isAuthError, REVOCATION_LEEWAY_SECONDS } from '@tokengate/core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  createRedisReplayStore,
  createRedisRevocationStore,
  type RedisClient,
  type RedisRevocationStore,
} from '../src/index.js';
import { authFor, RedisServer, uniquePrefix, waitFor } from './helpers.js';

let server: RedisServer;
let raw: RedisClient;
const stores: RedisRevocationStore[] = [];

function store(options: Parameters<typeof createRedisRevocationStore>[0]): RedisRevocationStore {
  const created = createRedisRevocationStore(options);
  stores.push(created);
  return created;
}

/** Two app instances: separate stores, separate connections, one prefix. */
async function twoInstances(extra: { maxTokenLifetime?: number | string } = {}) {
  const prefix = uniquePrefix();
  const a = store({ url: server.url, prefix, ...extra });
  const b = store({ url: server.url, prefix, ...extra });
  await Promise.all([a.ready(), b.ready()]);
  return { a, b, prefix };
}

beforeAll(async () => {
  server = await RedisServer.start();
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

describe('across instances', () => {
  it('a jti revoked on one instance is revoked on the other within milliseconds', async () => {
    const { a, b } = await twoInstances();
    const exp = nowSeconds() + 600;
    const other = authFor({ jti: 'not-revoked', sub: 'alice', iat: nowSeconds(), exp });
    const samples: number[] = [];
    for (let i = 0; i < 25; i++) {
      const token = authFor({ jti: `jti-${i}`, sub: 'alice', iat: nowSeconds(), exp });
      expect(b.isRevoked(token)).toBe(false);
      const start = performance.now();
      await a.revoke(`jti-${i}`, exp);
      expect(a.isRevoked(token)).toBe(true); // the revoking instance: at once
      await waitFor(() => b.isRevoked(token) === true, 2000);
      samples.push(performance.now() - start);
    }
    samples.sort((x, y) => x - y);
    console.log(
      `[redis] jti revocation seen by a second instance (revoke call to visible, n=25): ` +
        `median ${samples[12]!.toFixed(2)} ms, max ${samples[24]!.toFixed(2)} ms`,
    );
    expect(samples[12]).toBeLessThan(250);
    expect(b.isRevoked(other)).toBe(false);
    expect(b.size).toBe(25);
  });

  it('a subject cut-off revokes older tokens on the other instance, not newer ones', async () => {
    const { a, b } = await twoInstances();
    const cutoff = nowSeconds();
    const older = authFor({ sub: 'bob', iat: cutoff - 60, exp: cutoff + 600 });
    const noIat = authFor({ sub: 'bob', exp: cutoff + 600 });
    // Within the default 5 s clockTolerance after the cut-off a token counts as issued before it
    // (its issuer's clock may run ahead); past it, it is newer.
    const withinTolerance = authFor({ sub: 'bob', iat: cutoff + 5, exp: cutoff + 600 });
    const newer = authFor({ sub: 'bob', iat: cutoff + 6, exp: cutoff + 600 });
    const someoneElse = authFor({ sub: 'carol', iat: cutoff - 60, exp: cutoff + 600 });

    const start = performance.now();
    await a.revokeSubject('bob', cutoff);
    const waited = await waitFor(() => b.isRevoked(older) === true, 2000);
    console.log(
      `[redis] subject revocation seen by a second instance after ${(performance.now() - start).toFixed(2)} ms`,
    );

    expect(waited).toBeLessThan(2000);
    expect(b.isRevoked(noIat)).toBe(true);
    expect(b.isRevoked(withinTolerance)).toBe(true);
    expect(b.isRevoked(newer)).toBe(false);
    expect(b.isRevoked(withinTolerance, { clockTolerance: 0 })).toBe(false);
    expect(b.isRevoked(someoneElse)).toBe(false);
    expect(b.subjectCount).toBe(1);
  });

  it('a new instance loads existing revocations at start, and a later cut-off wins', async () => {
    const { a, prefix } = await twoInstances();
    const t = nowSeconds();
    await a.revoke('jti-old', t + 600);
    await a.revokeSubject('dave', t);
    await a.revokeSubject('dave', t - 100); // earlier: must not lower the stored cut-off
    expect(await raw.get(`{${prefix}}sub:dave`)).toBe(String(t));

    const late = store({ url: server.url, prefix });
    // A 503's message is generic (it may reach a client); what failed is in `detail`.
    expect(() => late.isRevoked(authFor({ jti: 'x' }))).toThrow(
      expect.objectContaining({ detail: expect.stringMatching(/not been loaded/) }),
    );
    await late.ready();
    expect(late.isRevoked(authFor({ jti: 'jti-old', exp: t + 600 }))).toBe(true);
    expect(late.isRevoked(authFor({ sub: 'dave', iat: t - 50 }))).toBe(true);
    expect(late.size).toBe(1);
    expect(late.subjectCount).toBe(1);
  });

  it('works with an existing node-redis client and leaves it open on close', async () => {
    const client = createClient({ url: server.url }) as RedisClient;
    client.on('error', () => {});
    await client.connect();
    const prefix = uniquePrefix();
    const a = createRedisRevocationStore({ client, prefix });
    const b = store({ url: server.url, prefix });
    await Promise.all([a.ready(), b.ready()]);
    await a.revoke('via-client', nowSeconds() + 60);
    await waitFor(() => b.isRevoked(authFor({ jti: 'via-client' })), 2000);
    await a.close();
    expect(client.isReady).toBe(true);
    expect(await client.get(`{${prefix}}jti:via-client`)).not.toBeNull();
    client.destroy();
  });

  it('reports and ignores messages on the channel that are not revocations', async () => {
    const prefix = uniquePrefix();
    const errors: string[] = [];
    const a = store({ url: server.url, prefix, onError: ({ error }) => errors.push(error.code) });
    await a.ready();
    await raw.publish(`{${prefix}}revocations`, 'not json');
    await raw.publish(`{${prefix}}revocations`, JSON.stringify(['jti', 'ok', nowSeconds() + 60]));
    await waitFor(() => a.size === 1, 2000);
    expect(errors).toEqual(['revocation_unavailable']);
    expect(a.state).toBe('ready');
  });
});

describe('expiry', () => {
  it('jti keys expire in Redis when the token does (plus the leeway); cut-offs after maxTokenLifetime', async () => {
    const { a, prefix } = await twoInstances({ maxTokenLifetime: '1h' });
    const until = nowSeconds() + 120;
    await a.revoke('expiring', until);
    expect(await raw.pExpireTime(`{${prefix}}jti:expiring`)).toBe((until + REVOCATION_LEEWAY_SECONDS) * 1000);
    const ttl = await raw.pTTL(`{${prefix}}jti:expiring`);
    expect(ttl).toBeGreaterThan((120 + REVOCATION_LEEWAY_SECONDS - 5) * 1000);
    expect(ttl).toBeLessThanOrEqual((120 + REVOCATION_LEEWAY_SECONDS) * 1000);

    const cutoff = nowSeconds();
    await a.revokeSubject('erin', cutoff);
    // Twice the leeway: the cut-off also covers tokens issued up to clockTolerance after it.
    expect(await raw.pExpireTime(`{${prefix}}sub:erin`)).toBe(
      (cutoff + 3600 + 2 * REVOCATION_LEEWAY_SECONDS) * 1000,
    );
  });

  it('cut-offs are kept forever without maxTokenLifetime', async () => {
    const { a, prefix } = await twoInstances();
    await a.revokeSubject('frank');
    expect(await raw.pTTL(`{${prefix}}sub:frank`)).toBe(-1);
  });

  it('Redis really deletes an expired entry', async () => {
    const { a, prefix } = await twoInstances();
    const until = Date.now() / 1000 - REVOCATION_LEEWAY_SECONDS + 0.2; // entry lives 200 ms more
    await a.revoke('short', until);
    expect(await raw.exists(`{${prefix}}jti:short`)).toBe(1);
    const start = Date.now();
    while ((await raw.exists(`{${prefix}}jti:short`)) === 1 && Date.now() - start < 3000) {
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect(await raw.exists(`{${prefix}}jti:short`)).toBe(0);
  });

  it('a revocation already past its leeway is not stored', async () => {
    const { a, prefix } = await twoInstances();
    await a.revoke('gone', nowSeconds() - REVOCATION_LEEWAY_SECONDS - 1);
    expect(await raw.exists(`{${prefix}}jti:gone`)).toBe(0);
    expect(a.size).toBe(0);
  });

  it('the local copy forgets entries when they expire (memory bound)', async () => {
    const prefix = uniquePrefix();
    let clock = Date.now();
    const a = store({
      url: server.url,
      prefix,
      maxTokenLifetime: 60,
      now: () => clock,
      sweepInterval: '10ms',
    });
    await a.ready();
    const t = Math.floor(clock / 1000);
    await a.revoke('j', t + 10);
    await a.revokeSubject('grace', t);
    const token = authFor({ jti: 'j', sub: 'grace', iat: t - 1, exp: t + 10 });
    expect(a.isRevoked(authFor({ jti: 'j' }))).toBe(true);
    expect(a.isRevoked(token)).toBe(true);

    clock += (10 + REVOCATION_LEEWAY_SECONDS - 1) * 1000; // inside the jti leeway
    expect(a.isRevoked(authFor({ jti: 'j' }))).toBe(true);
    clock += 2000; // past it
    expect(a.isRevoked(authFor({ jti: 'j' }))).toBe(false);
    await waitFor(() => a.size === 0, 2000);
    expect(a.subjectCount).toBe(1);

    clock = (t + 60 + 2 * REVOCATION_LEEWAY_SECONDS - 1) * 1000; // inside the cut-off's two leeways
    expect(a.isRevoked(authFor({ sub: 'grace', iat: t - 1 }))).toBe(true);
    clock = (t + 60 + 2 * REVOCATION_LEEWAY_SECONDS + 1) * 1000; // past the cut-off's lifetime
    expect(a.isRevoked(authFor({ sub: 'grace', iat: t - 1 }))).toBe(false);
    await waitFor(() => a.subjectCount === 0, 2000);
  });
});

describe('options', () => {
  it('throws TypeError on configuration mistakes', () => {
    expect(() => createRedisRevocationStore({} as never)).toThrow(TypeError);
    expect(() => createRedisRevocationStore({ url: 'redis://x', client: {} as never })).toThrow(
      /exactly one/,
    );
    expect(() => createRedisRevocationStore({ url: 'redis://x', prefx: 'a' } as never)).toThrow(
      /unknown option `prefx`/,
    );
    expect(() => createRedisRevocationStore({ url: 'redis://x', prefix: '' })).toThrow(/prefix/);
    expect(() => createRedisRevocationStore({ url: 'redis://x', failOpen: 'yes' as never })).toThrow(
      /failOpen/,
    );
    expect(() => createRedisRevocationStore({ url: 'redis://x', commandTimeout: -1 })).toThrow(
      /commandTimeout/,
    );
    // Durations: strings everywhere; the timings that counted milliseconds refuse a bare number
    // (ambiguous now that a bare number means seconds) with the string to write.
    for (const [name, bare, fix] of [
      ['connectTimeout', 5000, "'5s'"],
      ['commandTimeout', 2000, "'2s'"],
      ['sweepInterval', 60_000, "'1m'"],
      ['heartbeatInterval', 1500, "'1500ms'"],
    ] as const) {
      expect(() => createRedisRevocationStore({ url: 'redis://x', [name]: bare })).toThrow(
        `"${name}" needs a unit: write ${fix} for ${bare} ms`,
      );
      expect(() => createRedisRevocationStore({ url: 'redis://x', [name]: 'soon' })).toThrow(TypeError);
      expect(() => createRedisRevocationStore({ url: 'redis://x', [name]: '0s' })).toThrow(TypeError);
    }
    for (const [name, bare, fix] of [
      ['connectTimeout', 5000, "'5s'"],
      ['commandTimeout', 250, "'250ms'"],
    ] as const) {
      expect(() => createRedisReplayStore({ url: 'redis://x', [name]: bare })).toThrow(
        `"${name}" needs a unit: write ${fix} for ${bare} ms`,
      );
    }
    expect(() => createRedisRevocationStore({ url: 'redis://x', retryAfter: '0s' })).toThrow(/retryAfter/);
    expect(() => createRedisRevocationStore({ url: 'redis://x', retryAfter: 'later' })).toThrow(/retryAfter/);
    expect(() => createRedisRevocationStore({ client: {} as never })).toThrow(/node-redis client/);
    // keys and channel live in the hash tag `{<prefix>}`: braces in the prefix would break it
    expect(() => createRedisRevocationStore({ url: 'redis://x', prefix: 'app{1}:' })).toThrow(/prefix/);
    expect(() =>
      createRedisRevocationStore({ url: 'redis://x', cluster: { rootNodes: [{ url: 'redis://x' }] } }),
    ).toThrow(/exactly one of `url`, `client`, `cluster` or `sentinel`/);
    expect(() => createRedisRevocationStore({ cluster: { rootNodes: [] } })).toThrow(/rootNodes/);
    expect(() =>
      createRedisRevocationStore({
        sentinel: { name: '', sentinelRootNodes: [{ host: '127.0.0.1', port: 1 }] },
      }),
    ).toThrow(/sentinel must be/);
    expect(() => createRedisRevocationStore({ sentinel: { name: 'm', sentinelRootNodes: [] } })).toThrow(
      /sentinelRootNodes/,
    );
  });

  it('rejects bad revoke arguments with TypeError, without touching Redis', async () => {
    const { a } = await twoInstances();
    await expect(a.revoke('', 1)).rejects.toThrow(TypeError);
    await expect(a.revoke('j', new Date('nope'))).rejects.toThrow(TypeError);
    await expect(a.revokeSubject(42 as never)).rejects.toThrow(TypeError);
    expect(a.size).toBe(0);
  });

  it('a closed store answers 503, never a generic error', async () => {
    const { a } = await twoInstances();
    await a.close();
    const error = (() => {
      try {
        a.isRevoked(authFor({ jti: 'x' }));
      } catch (e) {
        return e;
      }
    })();
    expect(isAuthError(error) && error.status).toBe(503);
    expect(a.state).toBe('closed');
  });
});
