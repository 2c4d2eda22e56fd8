import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isAuthError } from '../../../src/errors/auth-error.js';
import type { KeySourceEvent } from '../../../src/keys/remote/events.js';
import { KeySourceError } from '../../../src/keys/remote/key-source-error.js';
import { type RemoteJwksOptions, resolveRemoteOptions } from '../../../src/keys/remote/options.js';
import { RemoteCache } from '../../../src/keys/remote/remote-cache.js';
import { createRemoteJwks, getRemoteJwks } from '../../../src/keys/remote/remote-jwks.js';
import { createTestIssuer, type TestIssuer, type TestIssuerServer } from '../../../src/testing/index.js';

const MIN = 60_000;

let idp: TestIssuer;
let server: TestIssuerServer;
let t: number;
let events: KeySourceEvent[];
const clock = () => t;

beforeEach(async () => {
  idp = await createTestIssuer({ alg: 'ES256', kid: 'k1' });
  server = await idp.listen();
  t = 1_700_000_000_000;
  events = [];
});
afterEach(async () => {
  await server.close();
});

function jwks(options: RemoteJwksOptions = {}) {
  return createRemoteJwks(server.jwksUri, {
    now: clock,
    timeoutDuration: '500ms',
    onEvent: (e) => events.push(e),
    ...options,
  });
}

async function rejection(promise: Promise<unknown>) {
  try {
    await promise;
  } catch (error) {
    return error as any;
  }
  throw new Error('expected a rejection');
}

describe('remote JWKS: fetching and sharing', () => {
  it('fetches lazily, once, for 50 concurrent callers', async () => {
    const source = jwks();
    expect(server.stats.jwks).toBe(0);
    expect(source.peek()).toBeUndefined();
    const sets = await Promise.all(Array.from({ length: 50 }, () => source.getKeys()));
    expect(server.stats.jwks).toBe(1);
    expect(new Set(sets).size).toBe(1);
    const [set] = sets;
    expect(set!.version).toBe(1);
    expect(set!.stale).toBe(false);
    expect(set!.keys.map((k) => k.kid)).toEqual(['k1']);
    expect(set!.keys[0]).toMatchObject({ kty: 'EC', crv: 'P-256', use: 'sig' });
    expect(source.peek()).toBe(set);
    expect(source.stats).toMatchObject({ fetches: 1, failures: 0, lastSuccessAt: t, lastAttemptAt: t });
    expect(events).toEqual([{ type: 'fetched', url: server.jwksUri, version: 1 }]);
  });

  it('refetches after cacheMaxAge, keeping the version when nothing changed', async () => {
    const source = jwks({ cacheMaxAge: '10m' });
    const first = await source.getKeys('k1');
    t += 10 * MIN - 1;
    expect(await source.getKeys('k1')).toBe(first);
    expect(server.stats.jwks).toBe(1);
    t += 1;
    expect(source.peek()).toBeUndefined();
    const second = await source.getKeys('k1');
    expect(server.stats.jwks).toBe(2);
    expect(second.version).toBe(1);
    expect(second.keys).toBe(first.keys); // same content, same array: safe as a cache key
    expect(second.fetchedAt).toBe(t);
    expect(Object.isFrozen(second) && Object.isFrozen(second.keys) && Object.isFrozen(second.keys[0])).toBe(
      true,
    );
  });

  it('getRemoteJwks shares one state per URL and options', async () => {
    const now = () => t;
    const a = getRemoteJwks(server.jwksUri, { now });
    const b = getRemoteJwks(new URL(server.jwksUri), { now });
    expect(b).toBe(a);
    const seen: string[] = [];
    const c = getRemoteJwks(server.jwksUri, { now, onEvent: (e) => seen.push(`c:${e.type}`) });
    const d = getRemoteJwks(server.jwksUri, { now, onEvent: (e) => seen.push(`d:${e.type}`) });
    expect(c).not.toBe(a);
    await Promise.all([a.getKeys(), c.getKeys(), d.getKeys()]);
    expect(server.stats.jwks).toBe(1);
    expect(c.stats.fetches).toBe(1);
    expect(seen.sort()).toEqual(['c:fetched', 'd:fetched']);
    const other = getRemoteJwks(server.jwksUri, { now, cooldownDuration: '1s' });
    expect(other).not.toBe(a);
    await other.getKeys();
    expect(server.stats.jwks).toBe(2);
  });

  it('rejects bad options and insecure URLs with TypeError', () => {
    expect(() => jwks({ cooldownDuration: 0 })).toThrow(TypeError);
    expect(() => jwks({ timeoutDuration: -1 })).toThrow(TypeError);
    expect(() => jwks({ staleIfError: Number.POSITIVE_INFINITY })).toThrow(TypeError);
    expect(() => jwks({ cacheMaxAge: Number.NaN })).toThrow(TypeError);
    expect(() => jwks({ cooldown: 5 } as never)).toThrow(/unknown remote key option "cooldown"/);
    expect(() => jwks({ headers: { a: 1 } as never })).toThrow(TypeError);
    expect(() => createRemoteJwks('http://idp.example.com/jwks')).toThrow(/https/);
    expect(() => createRemoteJwks('not a url')).toThrow(TypeError);
    expect(createRemoteJwks('https://idp.example.com/jwks').url).toBe('https://idp.example.com/jwks');
    expect(createRemoteJwks('http://localhost:1/jwks').url).toBe('http://localhost:1/jwks');
    expect(createRemoteJwks('http://[::1]:1/jwks').url).toBe('http://[::1]:1/jwks');
    expect(() => jwks({ staleIfError: 0, cacheMaxAge: Number.POSITIVE_INFINITY })).not.toThrow();
  });

  it('passes headers and uses a custom fetch', async () => {
    const seen: Array<Record<string, string>> = [];
    const source = jwks({
      headers: { 'x-api-key': 'abc' },
      fetch: (input, init) => {
        seen.push(init?.headers as Record<string, string>);
        return fetch(input, init);
      },
    });
    await source.getKeys();
    expect(seen).toEqual([{ accept: 'application/jwk-set+json, application/json', 'x-api-key': 'abc' }]);
  });

  it('keeps only object entries with a string kty', async () => {
    const source = jwks({
      fetch: async (input, init) => {
        const res = await fetch(input, init);
        const body = (await res.json()) as { keys: unknown[] };
        body.keys.push(null, 'x', { kid: 'no-kty' }, { kty: 7 }, { kty: 'oct', kid: 'extra' });
        return new Response(JSON.stringify(body), {
          headers: { 'content-type': 'application/jwk-set+json' },
        });
      },
    });
    expect((await source.getKeys()).keys.map((k) => k.kid)).toEqual(['k1', 'extra']);
  });
});

describe('remote JWKS: rotation and unknown kids', () => {
  it('a new kid triggers a refetch after the cooldown; a removed key disappears', async () => {
    const source = jwks({ cooldownDuration: '30s', cacheMaxAge: '10m' });
    expect((await source.getKeys('k1')).version).toBe(1);
    const { kid } = await idp.rotate({ kid: 'k2' });
    // within the cooldown of the first fetch: no refetch, the set comes back (→ 401 unknown_key)
    t += 29_999;
    const within = await source.getKeys(kid);
    expect(within.keys.map((k) => k.kid)).toEqual(['k1']);
    expect(server.stats.jwks).toBe(1);
    t += 1;
    const rotated = await source.getKeys(kid);
    expect(server.stats.jwks).toBe(2);
    expect(rotated.version).toBe(2);
    expect(rotated.keys).not.toBe(within.keys);
    expect(rotated.keys.map((k) => k.kid)).toEqual(['k2', 'k1']);

    await idp.rotate({ keep: false, kid: 'k3' });
    t += 10 * MIN;
    const after = await source.getKeys('k2');
    expect(after.keys.map((k) => k.kid)).toEqual(['k3']);
    expect(after.version).toBe(3);
    expect(server.stats.jwks).toBe(3);
    expect(events.filter((e) => e.type === 'fetched').map((e) => e.version)).toEqual([1, 2, 3]);
  });

  it('1000 concurrent random kids cause at most one refetch per cooldown window', async () => {
    const source = jwks({ cooldownDuration: '30s' });
    await source.getKeys();
    t += 30_000;
    const storm = () =>
      Promise.all(
        Array.from({ length: 1000 }, () => source.getKeys(`random-${Math.random().toString(36).slice(2)}`)),
      );
    const sets = await storm();
    expect(server.stats.jwks).toBe(2); // the initial fetch + one refetch
    expect(sets.every((s) => s.keys.length === 1)).toBe(true);
    for (let i = 0; i < 5; i++) {
      t += 5_000;
      await storm();
    }
    expect(server.stats.jwks).toBe(2); // still inside the window opened at the refetch
    t += 5_000;
    await storm();
    expect(server.stats.jwks).toBe(3);
  });
});

describe('remote JWKS: outages', () => {
  const modes = [
    { fault: 'down', kind: 'network' },
    { fault: 'slow', kind: 'timeout', options: { delayMs: 3_000 } },
    { fault: '5xx', kind: 'http_status' },
    { fault: 'garbage', kind: 'not_json' },
    { fault: 'non-json', kind: 'not_json' },
    { fault: 'wrong-shape', kind: 'wrong_shape' },
    { fault: 'oversize', kind: 'too_large' },
  ] as const;

  for (const mode of modes) {
    it(`${mode.fault}: known keys outlive the outage up to staleIfError, then 503; recovery without restart`, async () => {
      const source = jwks({
        timeoutDuration: '300ms',
        cooldownDuration: '30s',
        cacheMaxAge: '10m',
        staleIfError: '1h',
      });
      const good = await source.getKeys('k1');
      server.faults.set(mode.fault, 'options' in mode ? mode.options : {});
      t += 10 * MIN;

      const started = performance.now();
      const stale = await source.getKeys('k1');
      expect(performance.now() - started).toBeLessThan(300 + 250);
      expect(stale.stale).toBe(true);
      expect(stale.keys).toBe(good.keys);
      expect(stale.version).toBe(good.version);
      const failed = events.find((e) => e.type === 'fetch_failed');
      expect(failed).toMatchObject({ url: server.jwksUri, kind: mode.kind });
      expect(failed!.error).toContain(server.jwksUri);
      expect(events.filter((e) => e.type === 'stale_keys')).toEqual([
        expect.objectContaining({ url: server.jwksUri, ageMs: 10 * MIN }),
      ]);
      expect(source.peek()).toBe(stale);
      expect(source.stats.failures).toBe(1);

      // an unknown kid while the endpoint is failing is a 503, not a 401
      const unknown = await rejection(source.getKeys('k-new'));
      expect(isAuthError(unknown) && unknown.code).toBe('key_source_unavailable');
      expect(unknown.status).toBe(503);

      // past cacheMaxAge + staleIfError: 503 naming the URL, with Retry-After until the next try
      t += 60 * MIN;
      const gone = await rejection(source.getKeys('k1'));
      expect(gone.code).toBe('key_source_unavailable');
      expect(gone.detail).toContain(server.jwksUri);
      expect(gone.message).not.toContain(server.jwksUri);
      expect(gone.cause).toBeInstanceOf(KeySourceError);
      expect(gone.cause.kind).toBe(mode.kind);
      expect(gone.retryAfter).toBe(30);
      expect(gone.headers).toEqual({ 'Retry-After': '30' });
      expect(source.peek()).toBeUndefined();
      const attempts = source.stats.fetches;
      t += 10_000;
      expect((await rejection(source.getKeys('k1'))).retryAfter).toBe(20);
      expect(source.stats.fetches).toBe(attempts); // no fetch inside the cooldown

      server.faults.set(null);
      t += 20_000;
      const back = await source.getKeys('k1');
      expect(back.stale).toBe(false);
      expect(back.version).toBe(1);
      expect(events.at(-1)).toEqual({ type: 'recovered', url: server.jwksUri, version: 1 });
      expect(source.stats.lastError).toBeUndefined();
    });
  }

  for (const fault of ['down', 'slow'] as const) {
    it(`${fault}, nothing held: 503 within timeoutDuration, then fast 503s, retried after 1 s, 2 s, 4 s… up to the cooldown`, async () => {
      server.faults.set(fault, { delayMs: 5_000 });
      const source = jwks({ timeoutDuration: '200ms', cooldownDuration: '5s' });
      const started = performance.now();
      const results = await Promise.all(Array.from({ length: 20 }, () => rejection(source.getKeys('k1'))));
      const elapsed = performance.now() - started;
      expect(elapsed).toBeLessThan(200 + 250);
      expect(server.stats.jwks).toBe(1);
      for (const error of results) {
        expect(error.code).toBe('key_source_unavailable');
        expect(error.retryAfter).toBe(1);
      }
      expect(results[0].detail).toContain(server.jwksUri);

      const quick = performance.now();
      t += 999;
      expect((await rejection(source.getKeys())).retryAfter).toBe(1);
      expect(performance.now() - quick).toBeLessThan(50);
      expect(server.stats.jwks).toBe(1);

      // each failure doubles the delay (1 s, 2 s, 4 s), bounded by cooldownDuration (5 s)
      for (const [wait, delay, fetches] of [
        [1, 2, 2],
        [2_000, 4, 3],
        [4_000, 5, 4],
        [5_000, 5, 5],
      ] as const) {
        t += wait;
        expect((await rejection(source.getKeys())).retryAfter).toBe(delay);
        expect(server.stats.jwks).toBe(fetches);
      }
      t += 4_999;
      await rejection(source.getKeys());
      expect(server.stats.jwks).toBe(5);

      server.faults.set(null);
      t += 1;
      expect((await source.getKeys('k1')).keys).toHaveLength(1);
      expect(events.map((e) => e.type)).toEqual([...Array(5).fill('fetch_failed'), 'fetched', 'recovered']);
    });
  }

  it('an unknown kid after a successful refetch is not an error', async () => {
    const source = jwks();
    await source.getKeys();
    t += 31_000;
    const set = await source.getKeys('nope');
    expect(set.keys.map((k) => k.kid)).toEqual(['k1']);
    expect(server.stats.jwks).toBe(2);
  });

  it('staleIfError: 0 fails closed as soon as a refresh fails', async () => {
    const source = jwks({ staleIfError: 0 });
    await source.getKeys();
    server.faults.set('5xx');
    t += 10 * MIN;
    expect((await rejection(source.getKeys('k1'))).code).toBe('key_source_unavailable');
  });

  it('event messages never carry key material', async () => {
    const source = jwks();
    await source.getKeys();
    const jwk = idp.publicJwk as Record<string, string>;
    server.faults.set('garbage');
    t += 10 * MIN;
    await source.getKeys('k1');
    const text = JSON.stringify(events);
    expect(text).not.toContain(jwk.x!);
    expect(text).not.toContain(jwk.y!);
  });

  it('caps a body without content-length while streaming it', async () => {
    let pulled = 0;
    const source = jwks({
      fetch: async (input, init) => {
        await fetch(input, init); // a real request, so the server counts it
        const chunk = new TextEncoder().encode(`${'{"keys":['.padEnd(64 * 1024, ' ')}`);
        const body = new ReadableStream<Uint8Array>({
          pull(controller) {
            pulled++;
            controller.enqueue(chunk); // endless: only the cap stops it
          },
        });
        return new Response(body, { headers: { 'content-type': 'application/json' } });
      },
    });
    const error = await rejection(source.getKeys());
    expect(error.cause.kind).toBe('too_large');
    expect(error.detail).toContain('524288 bytes');
    expect(pulled).toBeLessThan(20);
  });

  it('does not follow redirects', async () => {
    const source = jwks({
      fetch: (_input, init) =>
        fetch(`${server.url}/jwks`, init).then(() => Response.redirect('https://x.example/', 302)),
    });
    const error = await rejection(source.getKeys());
    expect(error.cause.kind).toBe('http_status');
    expect(error.detail).toMatch(/HTTP 302 \(redirects are not followed\)/);
  });
});

describe('remote keys: a fetch the runtime cancels (Workers, when the request that started it ends)', () => {
  /**
   * On Cloudflare Workers a fetch is I/O of the request that started it: when that request ends
   * first (a `hono/timeout`, a client that went away), the fetch is cancelled and never settles,
   * its timeout timer included. Here a load that never settles stands for it.
   */
  function cache(options: Parameters<typeof resolveRemoteOptions>[0], loads: Array<() => Promise<string>>) {
    let n = 0;
    const load = () => (loads[n++] ?? loads[loads.length - 1]!)();
    return new RemoteCache<string>('https://idp.example.com/jwks', load, resolveRemoteOptions(options), (e) =>
      events.push(e),
    );
  }
  const never = () => new Promise<string>(() => {});
  const settleWithin = <T>(promise: Promise<T>, ms: number) =>
    Promise.race([
      promise.then(
        (value) => ({ value }),
        (error) => ({ error }),
      ),
      new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), ms)),
    ]);

  it('whoever waits for it stops at its deadline with a 503, and the next request fetches anew', async () => {
    const source = cache({ timeoutDuration: '150ms', now: clock }, [never, async () => 'keys']);
    const started = Date.now();
    const [first, joined] = await Promise.all([
      settleWithin(source.get(), 2_000),
      settleWithin(source.get(), 2_000),
    ]);
    for (const outcome of [first, joined]) {
      expect(outcome).not.toBe('hung');
      const error = (outcome as { error: any }).error;
      expect(isAuthError(error) && error.status).toBe(503);
      expect(error.detail).toBe('no answer from https://idp.example.com/jwks within 150 ms');
    }
    expect(Date.now() - started).toBeLessThan(1_000);
    // not a failure of the endpoint: no cooldown, the next request fetches at once
    expect(await settleWithin(source.get(), 2_000)).toEqual({ value: { value: 'keys', stale: false } });
    expect(events.filter((e) => e.type === 'fetch_failed')).toEqual([]);
  });

  it('keeps serving the last good copy while a refresh is given up, within staleIfError', async () => {
    const source = cache({ timeoutDuration: '150ms', cacheMaxAge: '1m', staleIfError: '10m', now: clock }, [
      async () => 'v1',
      never,
      async () => 'v2',
    ]);
    expect((await source.get()).value).toBe('v1');
    t += 2 * MIN; // expired: the next request refreshes, and that fetch is cancelled
    expect(await settleWithin(source.get(), 2_000)).toEqual({ value: { value: 'v1', stale: true } });
    expect(await settleWithin(source.get(), 2_000)).toEqual({ value: { value: 'v2', stale: false } });
  });
});
