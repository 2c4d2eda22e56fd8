import type { AuthError } from '@tokengate/core';
import { afterEach, describe, expect, it } from 'vitest';
import { createRedisRevocationStore, type RedisRevocationStore } from '../src/index.js';
import { authFor, RedisServer, thrown, uniquePrefix, waitFor } from './helpers.js';

// What the store tells the outside about the sync machine's transitions (onError, the 503's
// cause, ready()), against real redis-server processes.

const servers: RedisServer[] = [];
const stores: RedisRevocationStore[] = [];

afterEach(async () => {
  await Promise.all(stores.splice(0).map((s) => s.close()));
  await Promise.all(servers.splice(0).map((s) => s.kill()));
});

async function server(args: string[] = []): Promise<RedisServer> {
  const started = await RedisServer.start(args);
  servers.push(started);
  return started;
}

function store(options: Parameters<typeof createRedisRevocationStore>[0]): RedisRevocationStore {
  const created = createRedisRevocationStore(options);
  stores.push(created);
  return created;
}

const text = (error: AuthError) => error.detail ?? error.message;

describe('the store reports what its sync machine goes through', () => {
  it('a reload that keeps failing: each attempt reported with Redis’s error as cause; still connecting, 503', async () => {
    // EVAL renamed away: the subscription works, the load script cannot run
    const redis = await server(['--rename-command', 'EVAL', 'tokengate-test-no-eval']);
    const events: AuthError[] = [];
    const a = store({
      url: redis.url,
      prefix: uniquePrefix(),
      connectTimeout: '400ms',
      reconnectStrategy: () => 20,
      onError: ({ error }) => events.push(error),
    });
    const rejection = (await a.ready().catch((e: unknown) => e)) as AuthError;
    expect(rejection.code).toBe('revocation_unavailable');
    const failures = events.filter((e) =>
      text(e).startsWith('could not load the revocation list from Redis:'),
    );
    expect(failures.length).toBeGreaterThanOrEqual(2); // retried on its own
    expect(failures.every((e) => e.code === 'revocation_unavailable' && e.cause instanceof Error)).toBe(true);
    expect(text(failures[0]!)).toMatch(/unknown command/i);
    expect(a.state).toBe('connecting');
    const error = thrown(() => a.isRevoked(authFor({ jti: 'x' }))) as AuthError;
    expect(error.status).toBe(503);
    expect(text(error)).toMatch(/not been loaded/);
  });

  it('each outage is reported once, with its cause, and failOpen’s stale answer once per outage', async () => {
    const redis = await server();
    const events: AuthError[] = [];
    const a = store({
      url: redis.url,
      prefix: uniquePrefix(),
      failOpen: true,
      commandTimeout: '500ms',
      onError: ({ error }) => events.push(error),
    });
    const count = (pattern: RegExp) => events.filter((e) => pattern.test(text(e))).length;
    await a.ready();
    for (const outage of [1, 2]) {
      await redis.kill();
      await waitFor(() => a.state === 'unavailable', 3000);
      for (let i = 0; i < 10; i++) expect(a.isRevoked(authFor({ jti: 'x' }))).toBe(false);
      expect(count(/lost the Redis pub\/sub connection/)).toBe(outage);
      expect(count(/^failOpen: answering from a revocation list that may be stale/)).toBe(outage);
      const lost = events.find((e) => /lost the Redis pub\/sub connection/.test(text(e)))!;
      expect(lost.cause).toBeDefined();
      await redis.start();
      await a.ready();
      expect(a.state).toBe('ready');
    }
  });

  it('without failOpen, the 503 during an outage carries Redis’s error as its cause', async () => {
    const redis = await server();
    const a = store({ url: redis.url, prefix: uniquePrefix(), commandTimeout: '500ms' });
    await a.ready();
    await redis.kill();
    await waitFor(() => a.state === 'unavailable', 3000);
    const error = thrown(() => a.isRevoked(authFor({ jti: 'x' }))) as AuthError;
    expect(error.status).toBe(503);
    expect(error.cause).toBeInstanceOf(Error);
    expect(text(error)).toMatch(/pub\/sub connection is down/);
  });
});
