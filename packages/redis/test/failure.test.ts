import { performance } from 'node:perf_hooks';
import { createClient } from '@redis/client';
import { type AuthError, isAuthError } from '@tokengate/core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createRedisRevocationStore, type RedisClient, type RedisRevocationStore } from '../src/index.js';
import { authFor, freePort, RedisServer, thrown, uniquePrefix, waitFor } from './helpers.js';

let server: RedisServer;
const stores: RedisRevocationStore[] = [];

function store(options: Parameters<typeof createRedisRevocationStore>[0]): RedisRevocationStore {
  const created = createRedisRevocationStore(options);
  stores.push(created);
  return created;
}

async function connectRaw(): Promise<RedisClient> {
  const client = createClient({ url: server.url, socket: { reconnectStrategy: false } }) as RedisClient;
  client.on('error', () => {});
  await client.connect();
  return client;
}

beforeAll(async () => {
  server = await RedisServer.start();
});

afterEach(async () => {
  await Promise.all(stores.splice(0).map((s) => s.close()));
});

afterAll(async () => {
  await server?.kill();
});

const nowSeconds = () => Math.floor(Date.now() / 1000);

function expectUnavailable(error: unknown): asserts error is AuthError {
  expect(isAuthError(error)).toBe(true);
  const e = error as AuthError;
  expect(e.code).toBe('revocation_unavailable');
  expect(e.status).toBe(503);
  expect(e.headers['Retry-After']).toMatch(/^\d+$/);
}

describe('Redis goes away', () => {
  it('fails closed with a 503 while Redis is down, then recovers on the same port without a restart', async () => {
    const prefix = uniquePrefix();
    const a = store({ url: server.url, prefix, retryAfter: '6.5s', commandTimeout: '500ms' });
    const b = store({ url: server.url, prefix, commandTimeout: '500ms' });
    await Promise.all([a.ready(), b.ready()]);
    await a.revoke('before', nowSeconds() + 600);
    await waitFor(() => b.isRevoked(authFor({ jti: 'before' })));

    await server.kill();
    await waitFor(() => a.state === 'unavailable' && b.state === 'unavailable', 2000);

    const error = thrown(() => a.isRevoked(authFor({ jti: 'anything' })));
    expectUnavailable(error);
    expect(error.headers['Retry-After']).toBe('7');
    expect(error.message).not.toContain('header.payload.signature');

    const start = performance.now();
    const rejection = await a.revoke('during', nowSeconds() + 600).catch((e: unknown) => e);
    expectUnavailable(rejection);
    expect(performance.now() - start).toBeLessThan(1000);
    await expect(a.revokeSubject('someone')).rejects.toMatchObject({ code: 'revocation_unavailable' });

    await server.start();
    await Promise.all([a.ready(), b.ready()]);
    // the restarted server came back empty (no persistence): the instances wrote 'before' back
    expect(a.isRevoked(authFor({ jti: 'before' }))).toBe(true);
    expect(b.isRevoked(authFor({ jti: 'before' }))).toBe(true);
    await b.revoke('after', nowSeconds() + 600);
    await waitFor(() => a.isRevoked(authFor({ jti: 'after' })), 2000);
    expect(a.state).toBe('ready');
  });

  it('a frozen Redis (connections open, no answers) is detected by the heartbeat: 503, never a hang', async () => {
    const prefix = uniquePrefix();
    const a = store({ url: server.url, prefix, heartbeatInterval: '100ms', commandTimeout: '250ms' });
    await a.ready();
    await a.revoke('before-freeze', nowSeconds() + 600);

    server.signal('SIGSTOP');
    try {
      const waited = await waitFor(() => a.state === 'unavailable', 3000);
      console.log(
        `[redis] frozen server detected after ${waited.toFixed(0)} ms (heartbeat 100 ms, timeout 250 ms)`,
      );
      expectUnavailable(thrown(() => a.isRevoked(authFor({ jti: 'before-freeze' }))));
      const start = performance.now();
      const rejection = await a.revoke('during-freeze', nowSeconds() + 600).catch((e: unknown) => e);
      expectUnavailable(rejection);
      expect(performance.now() - start).toBeLessThan(1000);
    } finally {
      server.signal('SIGCONT');
    }
    await a.ready();
    expect(a.isRevoked(authFor({ jti: 'before-freeze' }))).toBe(true);
  });

  it('failOpen answers from the stale copy and reports the outage once', async () => {
    const prefix = uniquePrefix();
    const events: AuthError[] = [];
    const a = store({ url: server.url, prefix, failOpen: true, onError: ({ error }) => events.push(error) });
    await a.ready();
    await a.revoke('kept', nowSeconds() + 600);

    await server.kill();
    await waitFor(() => a.state === 'unavailable', 2000);
    for (let i = 0; i < 100; i++) {
      expect(a.isRevoked(authFor({ jti: 'kept' }))).toBe(true);
      expect(a.isRevoked(authFor({ jti: 'other' }))).toBe(false);
    }
    const messages = events.map((e) => e.detail ?? e.message);
    expect(events.every((e) => e.code === 'revocation_unavailable')).toBe(true);
    expect(messages.filter((m) => m.includes('lost the Redis pub/sub connection'))).toHaveLength(1);
    expect(messages.filter((m) => m.includes('failOpen'))).toHaveLength(1);

    await server.start();
    await a.ready();
    expect(a.state).toBe('ready');
  });

  it('after a reconnect, resync picks up revocations another instance made meanwhile', async () => {
    const prefix = uniquePrefix();
    const admin = await connectRaw();
    const a = store({ url: server.url, prefix });
    await a.ready();
    const before = new Set((await admin.clientList({ TYPE: 'PUBSUB' })).map((c) => c.id));
    // b reconnects slowly, so a's revocations land while it is disconnected
    const b = store({ url: server.url, prefix, reconnectStrategy: () => 400 });
    await b.ready();
    const bSubscriber = (await admin.clientList({ TYPE: 'PUBSUB' })).find((c) => !before.has(c.id));
    expect(bSubscriber).toBeDefined();

    await admin.clientKill({ filter: 'ID', id: Number(bSubscriber!.id) });
    await waitFor(() => b.state === 'unavailable', 2000);
    const t = nowSeconds();
    await a.revoke('while-away', t + 600);
    await a.revokeSubject('henry', t);
    expect(b.state).toBe('unavailable'); // it could not have received the messages
    expectUnavailable(thrown(() => b.isRevoked(authFor({ jti: 'while-away' }))));

    await b.ready();
    expect(b.isRevoked(authFor({ jti: 'while-away' }))).toBe(true);
    expect(b.isRevoked(authFor({ sub: 'henry', iat: t - 1 }))).toBe(true);
    admin.destroy();
  });

  it('ready() rejects with a 503 AuthError within connectTimeout when Redis is not there', async () => {
    const port = await freePort();
    const a = store({ url: `redis://127.0.0.1:${port}`, connectTimeout: '300ms' });
    const start = performance.now();
    const error = await a.ready().catch((e: unknown) => e);
    expectUnavailable(error);
    expect(performance.now() - start).toBeLessThan(1500);
    expectUnavailable(thrown(() => a.isRevoked(authFor({ jti: 'x' }))));
    expect(a.state).toBe('connecting');
  });

  it('the same with cluster or sentinel options whose nodes are not there, and close() does not hang', async () => {
    const port = await freePort();
    const stores = [
      store({ cluster: { rootNodes: [{ url: `redis://127.0.0.1:${port}` }] }, connectTimeout: '300ms' }),
      store({
        sentinel: { name: 'nowhere', sentinelRootNodes: [{ host: '127.0.0.1', port }] },
        connectTimeout: '300ms',
      }),
    ];
    const start = performance.now();
    for (const s of stores) {
      expectUnavailable(await s.ready().catch((e: unknown) => e));
      expectUnavailable(thrown(() => s.isRevoked(authFor({ jti: 'x' }))));
      await expect(s.revoke('x', nowSeconds() + 60)).rejects.toMatchObject({
        code: 'revocation_unavailable',
      });
    }
    expect(performance.now() - start).toBeLessThan(3000);
    await Promise.all(stores.map((s) => s.close()));
    expect(performance.now() - start).toBeLessThan(5000);
  });
});
