/**
 * The `keyCache` option through the verifier, against a real identity provider on 127.0.0.1.
 * Each `instance()` is a verifier with a `fetch` of its own, so it shares no key source with the
 * others in this process: it stands for a separate isolate or process, sharing only the cache.
 */
import {
  createMemoryKeyCache,
  createVerifier,
  isAuthError,
  type KeyCache,
  type KeyCacheEntry,
  type KeySourceEvent,
  type TokengateOptions,
  workersKeyCache,
} from '@tokengate/core';
import { createTestIssuer, type TestIssuer, type TestIssuerServer } from '@tokengate/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { createKeySourceLog } from '../../../src/keys/remote/events.js';
import { KEY_CACHE_TIMEOUT_MS, keyCacheTtl } from '../../../src/keys/remote/key-cache.js';
import { createRemoteJwks } from '../../../src/keys/remote/remote-jwks.js';

const servers: TestIssuerServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function started(): Promise<[TestIssuer, TestIssuerServer]> {
  const idp = await createTestIssuer({ alg: 'ES256', audience: 'api' });
  const server = await idp.listen();
  servers.push(server);
  return [idp, server];
}

/** A new instance: its own fetch function, so its own key sources (as a separate isolate). */
function instance(options: TokengateOptions) {
  const events: KeySourceEvent[] = [];
  const verifier = createVerifier({
    audience: 'api',
    fetch: (input, init) => fetch(input, init),
    onKeySourceEvent: (event) => events.push(event),
    ...options,
  });
  return Object.assign(verifier, { events });
}

async function outcome(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'ok';
  } catch (error) {
    if (!isAuthError(error)) throw error;
    return `${error.status} ${error.code}${error.reason ? `/${error.reason}` : ''}`;
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A memory cache that records the keys it was asked for. */
function recording(): KeyCache & {
  reads: string[];
  writes: string[];
  inner: ReturnType<typeof createMemoryKeyCache>;
} {
  const inner = createMemoryKeyCache();
  const reads: string[] = [];
  const writes: string[] = [];
  return {
    inner,
    reads,
    writes,
    get(key) {
      reads.push(key);
      return inner.get(key);
    },
    set(key, entry, ttl) {
      writes.push(key);
      return inner.set(key, entry, ttl);
    },
  };
}

describe('keyCache: cold instances start from the shared copy', () => {
  it('a second instance verifies with zero fetches (jwksUri, and issuer discovery)', async () => {
    const [idp, server] = await started();
    const keyCache = recording();
    const token = await idp.sign({ sub: 'alice' });
    for (const keys of [{ jwksUri: server.jwksUri }, { issuer: server.issuer }]) {
      const first = instance({ ...keys, keyCache });
      expect(await outcome(first.verify(token))).toBe('ok');
    }
    // the issuer's discovery fetched the same JWKS URL: the second verifier above took it from the cache
    expect(server.stats).toEqual({ discovery: 1, jwks: 1 });
    for (const keys of [{ jwksUri: server.jwksUri }, { issuer: server.issuer }]) {
      const cold = instance({ ...keys, keyCache });
      expect(await outcome(cold.verify(token))).toBe('ok');
      expect(cold.events).toEqual([]);
    }
    expect(server.stats).toEqual({ discovery: 1, jwks: 1 });
    expect(new Set(keyCache.writes)).toEqual(
      new Set([`v1:jwks:${server.jwksUri}`, `v1:discovery:${server.issuer}`]),
    );
  });

  it('stores and reads only the configured URLs, whatever tokens name', async () => {
    const [idp, server] = await started();
    const keyCache = recording();
    const verifier = instance({ jwksUri: server.jwksUri, keyCache });
    const named = [
      await idp.sign(
        {},
        { header: { jku: 'https://attacker.example/jwks', x5u: 'https://attacker.example/x' } },
      ),
      await idp.sign({}, { kid: 'https://attacker.example/jwks' }),
      await idp.sign({}, { issuer: 'https://attacker.example/' }),
      await idp.sign(),
    ];
    for (const token of named) await outcome(verifier.verify(token));
    const allowed = new Set([`v1:jwks:${server.jwksUri}`]);
    expect(new Set([...keyCache.reads, ...keyCache.writes])).toEqual(allowed);
  });

  it('an unknown kid after a rotation: the first instance fetches, the others take its copy', async () => {
    const [idp, server] = await started();
    const keyCache = createMemoryKeyCache();
    const options = { jwksUri: server.jwksUri, keyCache, cooldownDuration: '2s' } as const;
    const a = instance(options);
    const b = instance(options);
    expect(await outcome(a.verify(await idp.sign()))).toBe('ok');
    expect(await outcome(b.verify(await idp.sign()))).toBe('ok');
    expect(server.stats.jwks).toBe(1);
    await idp.rotate();
    await sleep(2_100); // past the cooldown of the first fetch
    const rotated = await idp.sign();
    expect(await outcome(a.verify(rotated))).toBe('ok');
    expect(server.stats.jwks).toBe(2);
    expect(await outcome(b.verify(rotated))).toBe('ok'); // within the cooldown of a's fetch: its copy
    expect(server.stats.jwks).toBe(2);
    // a kid nobody publishes, within the cooldown of the fleet's last fetch: no fetch, 401
    expect(await outcome(instance(options).verify(await idp.sign({}, { kid: 'nobody' })))).toBe(
      '401 invalid_token/unknown_key',
    );
    expect(server.stats.jwks).toBe(2);
  });

  it('a cold instance during an outage serves the shared copy within staleIfError, then 503', async () => {
    const [idp, server] = await started();
    const keyCache = createMemoryKeyCache();
    const timings = { cacheMaxAge: '100ms', cooldownDuration: '50ms', timeoutDuration: '300ms' } as const;
    const token = await idp.sign();
    expect(await outcome(instance({ jwksUri: server.jwksUri, keyCache, ...timings }).verify(token))).toBe(
      'ok',
    );
    await sleep(150);
    server.faults.set('down');
    const stale = instance({ jwksUri: server.jwksUri, keyCache, ...timings, staleIfError: '1m' });
    expect(await outcome(stale.verify(token))).toBe('ok');
    expect(stale.events.map((e) => e.type)).toEqual(['fetch_failed', 'stale_keys']);
    const strict = instance({ jwksUri: server.jwksUri, keyCache, ...timings, staleIfError: '0s' });
    expect(await outcome(strict.verify(token))).toBe('503 key_source_unavailable');
    server.faults.set(null);
    await sleep(60);
    expect(await outcome(strict.verify(token))).toBe('ok');
  });
});

describe('keyCache: failures stay per instance', () => {
  it('an instance whose fetches fail recovers from a copy another instance fetched, without fetching', async () => {
    let t = 1_750_000_000_000;
    const now = () => t;
    const keyCache = createMemoryKeyCache({ now });
    const failingEvents: KeySourceEvent[] = [];
    let failingFetches = 0;
    const failing = createRemoteJwks('https://idp.example/jwks', {
      now,
      keyCache,
      fetch: (async () => {
        failingFetches++;
        throw new TypeError('fetch failed');
      }) as typeof fetch,
      onEvent: (event) => failingEvents.push(event),
    });
    const healthy = createRemoteJwks('https://idp.example/jwks', {
      now,
      keyCache,
      fetch: (async () => Response.json({ keys: [{ kty: 'EC', kid: 'k1' }] })) as typeof fetch,
    });
    expect((await failing.getKeys('k1').catch((e) => e)).code).toBe('key_source_unavailable');
    await healthy.getKeys('k1');
    t += 500; // within the failing instance's first backoff (1 s): it does not even look
    expect((await failing.getKeys('k1').catch((e) => e)).code).toBe('key_source_unavailable');
    t += 1_000;
    const set = await failing.getKeys('k1');
    expect(set.keys.map((k) => k.kid)).toEqual(['k1']);
    expect(failingFetches).toBe(1);
    expect(failing.stats.lastError).toBeUndefined();
    expect(failingEvents.map((e) => e.type)).toEqual(['fetch_failed', 'recovered']);
  });
});

describe('keyCache: a broken, slow or wrong cache never breaks verification', () => {
  const never = () => new Promise<never>(() => {});
  const entry = (document: unknown, fetchedAt = Date.now()): KeyCacheEntry => ({ fetchedAt, document });
  const caches: Record<string, (server: TestIssuerServer) => KeyCache> = {
    throwing: () => ({
      get: () => {
        throw new Error('cache down');
      },
      set: () => Promise.reject(new Error('cache down')),
    }),
    hanging: () => ({ get: never, set: never }),
    'not an entry': () => ({ get: () => ({ hello: 'world' }) as never, set() {} }),
    'fetched in the future': () => ({
      get: (key) => (key.startsWith('v1:jwks') ? entry({ keys: [] }, Date.now() + 3_600_000) : undefined),
      set() {},
    }),
    'a JWKS without keys': () => ({
      get: (key) => (key.startsWith('v1:jwks') ? entry({ nope: 1 }) : undefined),
      set() {},
    }),
    'metadata of another issuer': () => ({
      get: (key) =>
        key.startsWith('v1:discovery')
          ? entry({
              url: key.slice('v1:discovery:'.length),
              metadata: { issuer: 'https://evil.example', jwks_uri: 'https://evil.example/k' },
            })
          : undefined,
      set() {},
    }),
    'metadata read from elsewhere': (server) => ({
      get: (key) =>
        key.startsWith('v1:discovery')
          ? entry({
              url: 'https://evil.example/.well-known/openid-configuration',
              metadata: { issuer: server.issuer, jwks_uri: server.jwksUri },
            })
          : undefined,
      set() {},
    }),
  };

  for (const [name, make] of Object.entries(caches)) {
    it(`${name}: verifies by fetching, reports key_cache_failed, within a bounded wait`, async () => {
      const [idp, server] = await started();
      const cold = instance({ issuer: server.issuer, keyCache: make(server), timeoutDuration: '1s' });
      const started_ = Date.now();
      expect(await outcome(cold.verify(await idp.sign()))).toBe('ok');
      // discovery and JWKS: each a read, a fetch and a write at most
      expect(Date.now() - started_).toBeLessThan(4 * KEY_CACHE_TIMEOUT_MS + 1_000);
      expect(server.stats).toEqual({ discovery: 1, jwks: 1 });
      expect(cold.events.some((e) => e.type === 'key_cache_failed')).toBe(true);
      expect(JSON.stringify(cold.events)).not.toMatch(/"x"|"y"|"d"/); // no key material
    });
  }

  it('the default log reports a failing key cache once per URL', () => {
    const warnings: string[] = [];
    const log = createKeySourceLog({ error: () => {}, warn: (m) => warnings.push(m) });
    for (let i = 0; i < 3; i++)
      log({ type: 'key_cache_failed', url: 'https://idp.example/jwks?key=1', error: 'boom' });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('https://idp.example/jwks: boom');
    expect(warnings[0]).not.toContain('key=1');
  });
});

describe('keyCache: the option', () => {
  it('is checked at start-up', async () => {
    const [, server] = await started();
    expect(() => createVerifier({ jwksUri: server.jwksUri, keyCache: {} as never })).toThrow(
      /option "keyCache" must be a key cache/,
    );
    expect(() => createVerifier({ jwksUri: server.jwksUri, keyCache: createMemoryKeyCache() })).not.toThrow();
  });

  it('keeps entries cacheMaxAge + staleIfError, at least 30 days, at most a year', () => {
    expect(keyCacheTtl(600_000, 86_400_000)).toBe(30 * 86_400);
    expect(keyCacheTtl(600_000, 90 * 86_400_000)).toBe(90 * 86_400 + 600);
    expect(keyCacheTtl(Number.POSITIVE_INFINITY, 0)).toBe(365 * 86_400);
  });
});

describe('workersKeyCache', () => {
  it('refuses what is not a Cache API cache, and a prefix that is not an http(s) URL', () => {
    expect(() => workersKeyCache({} as never)).toThrow(/cache must be a Cache API cache/);
    expect(() => workersKeyCache(() => ({}) as never, { prefix: 'tokengate:' })).toThrow(
      /prefix must be an http/,
    );
    expect(() => workersKeyCache(() => ({}) as never)).not.toThrow(); // opened at first use
  });

  it('stores entries as JSON responses that expire by max-age, under URL-encoded keys', async () => {
    // the Cache API itself runs on workerd (examples/runtimes/test/key-cache.test.ts); this
    // records what the adapter hands it
    const stored = new Map<string, Response>();
    const cache = workersKeyCache({
      async match(request) {
        return stored.get(request.url)?.clone();
      },
      async put(request, response) {
        stored.set(request.url, response);
      },
    });
    await cache.set('v1:jwks:https://idp.example/jwks?x=1', { fetchedAt: 1, document: { keys: [] } }, 60);
    expect([...stored.keys()]).toEqual([
      'https://tokengate-key-cache.invalid/v1%3Ajwks%3Ahttps%3A%2F%2Fidp.example%2Fjwks%3Fx%3D1',
    ]);
    const response = [...stored.values()][0];
    expect(response!.headers.get('cache-control')).toBe('public, max-age=60');
    expect(await cache.get('v1:jwks:https://idp.example/jwks?x=1')).toEqual({
      fetchedAt: 1,
      document: { keys: [] },
    });
    expect(await cache.get('v1:jwks:other')).toBeUndefined();
  });
});
