/**
 * `createRedisKeyCache` with a real redis-server and a real identity provider on 127.0.0.1: the
 * second instance — here a separate Node process, as a cold Lambda would be — verifies its first
 * token with zero key fetches; a Redis that is down or frozen costs a bounded wait, never a
 * refusal.
 */
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { createVerifier, isAuthError, type KeySourceEvent } from '@tokengate/core';
import { createTestIssuer, type TestIssuer, type TestIssuerServer } from '@tokengate/core/testing';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createRedisKeyCache, type RedisKeyCache } from '../src/index.js';
import { RedisServer, uniquePrefix } from './helpers.js';

const require = createRequire(import.meta.url);
let redis: RedisServer;
let idp: TestIssuer;
let idpServer: TestIssuerServer;
const caches: RedisKeyCache[] = [];

beforeAll(async () => {
  redis = await RedisServer.start();
});
afterAll(async () => {
  await redis?.kill();
});
beforeEach(async () => {
  // a fresh identity provider per test, so its request counters start at zero
  idp = await createTestIssuer({ alg: 'ES256', audience: 'api' });
  idpServer = await idp.listen();
});
afterEach(async () => {
  await Promise.all(caches.splice(0).map((c) => c.close()));
  await idpServer?.close();
});

function keyCache(prefix: string, url = redis.url): RedisKeyCache {
  const cache = createRedisKeyCache({ url, prefix, connectTimeout: '1s' });
  caches.push(cache);
  return cache;
}

async function outcome(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'ok';
  } catch (error) {
    if (!isAuthError(error)) throw error;
    return `${error.status} ${error.code}`;
  }
}

/**
 * Verifies `token` in a new Node process with its own Redis key cache; returns what it printed:
 * `{ outcome, events }`.
 */
function verifyInAnotherProcess(options: { issuer: string; prefix: string; token: string }): Promise<{
  outcome: string;
  events: string[];
}> {
  const core = require.resolve('@tokengate/core');
  const script = `
    import { createVerifier } from ${JSON.stringify(core)};
    import { createRedisKeyCache } from ${JSON.stringify(new URL('../dist/index.js', import.meta.url).pathname)};
    const input = JSON.parse(process.env.INPUT);
    const events = [];
    const keyCache = createRedisKeyCache({ url: input.redis, prefix: input.prefix });
    const verifier = createVerifier({ issuer: input.issuer, audience: 'api', keyCache, onKeySourceEvent: (e) => events.push(e.type) });
    let outcome = 'ok';
    try { await verifier.verify(input.token); } catch (error) { outcome = error.code ?? String(error); }
    await keyCache.close();
    console.log(JSON.stringify({ outcome, events }));
  `;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      env: { PATH: process.env.PATH ?? '', INPUT: JSON.stringify({ ...options, redis: redis.url }) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      const line = output.split('\n').find((l) => l.startsWith('{'));
      if (code === 0 && line) resolve(JSON.parse(line));
      else reject(new Error(`the other process exited with ${code}:\n${output}`));
    });
  });
}

describe('createRedisKeyCache', () => {
  it('a second instance in another process verifies with zero key fetches', async () => {
    const prefix = uniquePrefix();
    const token = await idp.sign({ sub: 'alice' });
    const first = createVerifier({ issuer: idpServer.issuer, audience: 'api', keyCache: keyCache(prefix) });
    expect(await outcome(first.verify(token))).toBe('ok');
    expect(idpServer.stats).toEqual({ discovery: 1, jwks: 1 });
    const second = await verifyInAnotherProcess({ issuer: idpServer.issuer, prefix, token });
    expect(second).toEqual({ outcome: 'ok', events: [] });
    expect(idpServer.stats).toEqual({ discovery: 1, jwks: 1 });
    // another prefix shares nothing
    const other = await verifyInAnotherProcess({ issuer: idpServer.issuer, prefix: uniquePrefix(), token });
    expect(other).toEqual({ outcome: 'ok', events: ['fetched', 'fetched'] });
    expect(idpServer.stats).toEqual({ discovery: 2, jwks: 2 });
  });

  it('stores the documents under the prefix, expiring', async () => {
    const prefix = uniquePrefix();
    const cache = keyCache(prefix);
    await cache.ready();
    const verifier = createVerifier({ jwksUri: idpServer.jwksUri, audience: 'api', keyCache: cache });
    expect(await outcome(verifier.verify(await idp.sign()))).toBe('ok');
    const entry = await cache.get(`v1:jwks:${idpServer.jwksUri}`);
    expect(entry).toMatchObject({ document: { keys: [{ kid: idp.kid }] } });
    expect(entry!.fetchedAt).toBeLessThanOrEqual(Date.now());
    const ttl = await redisTtl(`${prefix}keys:v1:jwks:${idpServer.jwksUri}`);
    expect(ttl).toBeGreaterThan(29 * 86_400);
  });

  it('Redis down or frozen: verification fetches the keys itself, within a bounded wait', async () => {
    const down = createRedisKeyCache({
      url: 'redis://127.0.0.1:1',
      prefix: uniquePrefix(),
      connectTimeout: '200ms',
    });
    caches.push(down);
    const events: KeySourceEvent[] = [];
    const verifier = createVerifier({
      jwksUri: idpServer.jwksUri,
      audience: 'api',
      keyCache: down,
      onKeySourceEvent: (e) => events.push(e),
    });
    let t0 = Date.now();
    expect(await outcome(verifier.verify(await idp.sign()))).toBe('ok');
    expect(Date.now() - t0).toBeLessThan(2_500);
    expect(events.map((e) => e.type)).toEqual(['key_cache_failed', 'fetched', 'key_cache_failed']);

    const frozen = await RedisServer.start();
    try {
      const cache = keyCache(uniquePrefix(), frozen.url);
      await cache.ready();
      frozen.signal('SIGSTOP');
      const fresh = createVerifier({
        issuer: idpServer.issuer,
        audience: 'api',
        keyCache: cache,
        onKeySourceEvent: () => {},
      });
      t0 = Date.now();
      expect(await outcome(fresh.verify(await idp.sign()))).toBe('ok');
      expect(Date.now() - t0).toBeLessThan(4_000);
    } finally {
      await frozen.kill();
    }
  });

  it('checks its options at construction', () => {
    expect(() => createRedisKeyCache({} as never)).toThrow(TypeError);
    expect(() => createRedisKeyCache({ url: redis.url, ttl: 5 } as never)).toThrow(/unknown option `ttl`/);
    expect(() => createRedisKeyCache({ url: redis.url, commandTimeout: 500 as never })).toThrow(TypeError);
  });
});

async function redisTtl(key: string): Promise<number> {
  const { createClient } = await import('@redis/client');
  const client = createClient({ url: redis.url });
  await client.connect();
  try {
    return Number(await client.ttl(key));
  } finally {
    await client.close();
  }
}
