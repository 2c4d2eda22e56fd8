import { createVerifier, isAuthError, type KeySourceEvent } from '@tokengate/core';
import { createTestIssuer, type TestIssuer, type TestIssuerServer } from '@tokengate/core/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';

const servers: TestIssuerServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function started(
  alg: 'RS256' | 'ES256' | 'EdDSA' = 'ES256',
  path?: string,
): Promise<[TestIssuer, TestIssuerServer]> {
  const idp = await createTestIssuer({ alg, audience: 'api' });
  const server = await idp.listen(path ? { path } : {});
  servers.push(server);
  return [idp, server];
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

describe('remote keys through the verifier', () => {
  it('verifies with jwksUri and with issuer discovery, fetching once for many requests', async () => {
    const [idp, server] = await started('RS256');
    const byUri = createVerifier({ jwksUri: server.jwksUri, audience: 'api' });
    const byIssuer = createVerifier({ issuer: server.issuer, audience: 'api' });
    const tokens = await Promise.all(Array.from({ length: 20 }, (_, i) => idp.sign({ sub: `u${i}` })));
    const results = await Promise.all(
      tokens.flatMap((t) => [outcome(byUri.verify(t)), outcome(byIssuer.verify(t))]),
    );
    expect(new Set(results)).toEqual(new Set(['ok']));
    expect(server.stats.discovery).toBe(1);
    expect(server.stats.jwks).toBe(1);
  });

  it('calls fetch as a plain function, as workerd requires (its fetch refuses any other `this`)', async () => {
    const [idp, server] = await started('RS256');
    const realFetch = globalThis.fetch;
    // workerd's fetch throws "Illegal invocation" when called as a method of another object.
    const brandChecked = vi.fn(function (this: unknown, input: RequestInfo | URL, init?: RequestInit) {
      if (this !== undefined && this !== globalThis) throw new TypeError('Illegal invocation');
      return realFetch(input, init);
    }) as unknown as typeof fetch;
    const token = await idp.sign({ sub: 'u' });
    // as the `fetch` option …
    expect(
      await outcome(createVerifier({ jwksUri: server.jwksUri, fetch: brandChecked }).verify(token)),
    ).toBe('ok');
    expect(await outcome(createVerifier({ issuer: server.issuer, fetch: brandChecked }).verify(token))).toBe(
      'ok',
    );
    // … and as the default, globalThis.fetch (a fresh server: the key sets above are shared)
    const [idp2, server2] = await started('ES256');
    vi.stubGlobal('fetch', brandChecked);
    try {
      const token2 = await idp2.sign({ sub: 'u' });
      expect(await outcome(createVerifier({ jwksUri: server2.jwksUri }).verify(token2))).toBe('ok');
      expect(await outcome(createVerifier({ issuer: server2.issuer }).verify(token2))).toBe('ok');
    } finally {
      vi.unstubAllGlobals();
    }
    // per server: the metadata and one key set (the jwksUri verifier and discovery share it)
    expect(brandChecked).toHaveBeenCalledTimes(4);
  });

  it('follows rotation, and a withdrawn key stops verifying (cached verifications included)', async () => {
    const [idp, server] = await started();
    const verifier = createVerifier({ issuer: server.issuer, cooldownDuration: '50ms' });
    const old = await idp.sign({ sub: 'old' });
    expect(await outcome(verifier.verify(old))).toBe('ok');
    expect(await outcome(verifier.verify(old))).toBe('ok');
    await idp.rotate({ keep: false });
    await sleep(60);
    const fresh = await idp.sign({ sub: 'new' });
    expect(await outcome(verifier.verify(fresh))).toBe('ok');
    expect(server.stats.jwks).toBe(2);
    expect(await outcome(verifier.verify(old))).toBe('401 invalid_token/unknown_key');
  });

  it('keeps known keys working through an outage, past cacheMaxAge, within staleIfError', async () => {
    const [idp, server] = await started();
    const events: KeySourceEvent[] = [];
    const verifier = createVerifier({
      issuer: server.issuer,
      cacheMaxAge: '40ms',
      cooldownDuration: '20ms',
      timeoutDuration: '200ms',
      staleIfError: '1m',
      cache: false,
      onKeySourceEvent: (event) => events.push(event),
    });
    const token = await idp.sign();
    expect(await outcome(verifier.verify(token))).toBe('ok');
    for (const fault of ['down', '5xx', 'garbage', 'slow'] as const) {
      server.faults.set(fault, { delayMs: 1000 });
      await sleep(50);
      const t0 = Date.now();
      expect(await outcome(verifier.verify(token))).toBe('ok');
      expect(Date.now() - t0).toBeLessThan(1000);
    }
    expect(events.some((e) => e.type === 'stale_keys')).toBe(true);
    expect(events.some((e) => e.type === 'fetch_failed' && e.error?.includes(server.url))).toBe(true);
    const unknown = await idp.sign({}, { kid: 'not-held' });
    await sleep(30);
    const error = await verifier.verify(unknown).catch((e) => e);
    expect(error).toMatchObject({ status: 503, code: 'key_source_unavailable' });
    expect(Number(error.headers['Retry-After'])).toBeGreaterThan(0);
    server.faults.set(null);
    await sleep(50);
    expect(await outcome(verifier.verify(token))).toBe('ok');
    expect(events.some((e) => e.type === 'recovered')).toBe(true);
  });

  it('answers 503 within the fetch timeout when no key was ever fetched', async () => {
    const [idp, server] = await started();
    server.faults.set('slow', { delayMs: 5000 });
    const verifier = createVerifier({ jwksUri: server.jwksUri, timeoutDuration: '150ms' });
    const t0 = Date.now();
    expect(await outcome(verifier.verify(await idp.sign()))).toBe('503 key_source_unavailable');
    expect(Date.now() - t0).toBeLessThan(1000);
  });

  it('survives an unknown-kid storm with at most one refetch per cooldown', async () => {
    const [idp, server] = await started();
    const verifier = createVerifier({ jwksUri: server.jwksUri });
    expect(await outcome(verifier.verify(await idp.sign()))).toBe('ok');
    const storm = await Promise.all(
      Array.from({ length: 50 }, (_, i) => idp.sign({}, { kid: `random-${i}` })),
    );
    const tokens = Array.from({ length: 1000 }, (_, i) => storm[i % storm.length]!);
    const t0 = Date.now();
    const results = await Promise.all(tokens.map((t) => outcome(verifier.verify(t))));
    expect(new Set(results)).toEqual(new Set(['401 invalid_token/unknown_key']));
    expect(server.stats.jwks).toBeLessThanOrEqual(2);
    expect(Date.now() - t0).toBeLessThan(5000);
  });

  it('refuses a discovery document for another issuer with a 503, and ready() says why', async () => {
    const [idp, server] = await started();
    server.faults.set('issuer-mismatch');
    const errors: string[] = [];
    const verifier = createVerifier({
      issuer: server.issuer,
      onError: ({ error }) => errors.push(error.message),
    });
    expect(await outcome(verifier.verify(await idp.sign()))).toBe('503 key_source_unavailable');
    const error = await verifier.ready().catch((e) => e);
    expect(error.code).toBe('key_source_unavailable');
    expect(String(error.cause?.message ?? error.message)).toContain(server.url);
  });

  it('with warmup, fetches keys at start-up so the first request pays nothing', async () => {
    const [idp, server] = await started();
    const verifier = createVerifier({ issuer: server.issuer, warmup: true });
    await verifier.ready();
    expect(server.stats.jwks).toBe(1);
    expect(await outcome(verifier.verify(await idp.sign()))).toBe('ok');
    expect(server.stats.jwks).toBe(1);
  });

  it('selects among several issuers by iss and never fetches for an unlisted one', async () => {
    const [a, serverA] = await started('RS256');
    const [b, serverB] = await started('EdDSA', '/tenant-b');
    const verifier = createVerifier({
      issuers: [
        { issuer: serverA.issuer, audience: 'api' },
        { issuer: serverB.issuer, audience: 'other-api' },
      ],
    });
    expect(await outcome(verifier.verify(await a.sign()))).toBe('ok');
    expect(await outcome(verifier.verify(await b.sign({}, { audience: 'other-api' })))).toBe('ok');
    expect(await outcome(verifier.verify(await b.sign()))).toBe('401 invalid_token/audience');
    const before =
      serverA.stats.jwks + serverB.stats.jwks + serverA.stats.discovery + serverB.stats.discovery;
    const foreign = await a.sign({}, { issuer: 'http://127.0.0.1:1/evil' });
    expect(await outcome(verifier.verify(foreign))).toBe('401 invalid_token/issuer');
    expect(serverA.stats.jwks + serverB.stats.jwks + serverA.stats.discovery + serverB.stats.discovery).toBe(
      before,
    );
    const crossed = await b.sign({}, { issuer: serverA.issuer });
    expect(await outcome(verifier.verify(crossed))).toMatch(
      /^401 invalid_token\/(unknown_key|bad_signature|alg_not_allowed)$/,
    );
  });
});
