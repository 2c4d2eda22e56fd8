import { createVerifier, isAuthError, type KeySourceEvent } from '@tokengate/core';
import { createTestIssuer, type TestIssuer, type TestIssuerServer } from '@tokengate/core/testing';
import { afterEach, beforeEach, describe, expect, it, type MockInstance, vi } from 'vitest';

// Key-source failures are logged by default (once per state change), so that a misconfigured
// issuer or an identity provider that is down does not fail silently.

const servers: TestIssuerServer[] = [];
let errors: MockInstance<typeof console.error>;
let warnings: MockInstance<typeof console.warn>;

beforeEach(() => {
  errors = vi.spyOn(console, 'error').mockImplementation(() => {});
  warnings = vi.spyOn(console, 'warn').mockImplementation(() => {});
});
afterEach(async () => {
  vi.restoreAllMocks();
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function started(): Promise<[TestIssuer, TestIssuerServer]> {
  const idp = await createTestIssuer({ alg: 'ES256' });
  const server = await idp.listen();
  servers.push(server);
  return [idp, server];
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

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const lines = (spy: MockInstance<(...args: any[]) => void>) => spy.mock.calls.map((c) => String(c[0]));

describe('key-source log (default, no hooks)', () => {
  it('logs a discovery issuer that differs by a trailing slash once, naming the defect', async () => {
    const [idp, server] = await started();
    const verifier = createVerifier({ issuer: `${server.issuer}/`, cooldownDuration: '20ms' });
    const token = await idp.sign({ sub: 'a' }, { issuer: `${server.issuer}/` });
    for (let i = 0; i < 5; i++) {
      expect(await outcome(verifier.verify(token))).toBe('503 key_source_unavailable');
      await sleep(25); // past the cooldown: each round refetches and fails again
    }
    expect(server.stats.discovery).toBeGreaterThan(2);
    expect(lines(errors)).toHaveLength(1);
    const [line] = lines(errors);
    expect(line).toMatch(/^tokengate: /);
    expect(line).toMatch(/issuer/);
    expect(line).toMatch(/trailing slash/);
    expect(line).not.toContain(token);
  });

  it('logs once while the provider is down at start-up, retries within about a second, and logs the recovery', async () => {
    const [idp, server] = await started();
    server.faults.set('down');
    const verifier = createVerifier({ issuer: server.issuer });
    const token = await idp.sign({ sub: 'a' });
    for (let i = 0; i < 3; i++) {
      expect(await outcome(verifier.verify(token))).toBe('503 key_source_unavailable');
    }
    expect(lines(errors)).toHaveLength(1);
    expect(lines(errors)[0]).toMatch(/^tokengate: key source failing: /);
    server.faults.set(null);
    // The default cooldownDuration is 30 s; with nothing held, the first retry comes after 1 s.
    await sleep(1_100);
    expect(await outcome(verifier.verify(token))).toBe('ok');
    expect(lines(errors)).toHaveLength(1);
    expect(lines(warnings).filter((l) => /recovered/.test(l))).toHaveLength(1);
  });

  it('backs off (1 s, 2 s, …) while nothing is held, and tells clients when to retry', async () => {
    const [idp, server] = await started();
    server.faults.set('down');
    const verifier = createVerifier({ jwksUri: server.jwksUri });
    const token = await idp.sign({ sub: 'a' });
    await outcome(verifier.verify(token));
    expect(server.stats.jwks).toBe(1);
    await sleep(1_100);
    try {
      await verifier.verify(token);
      expect.unreachable();
    } catch (error) {
      if (!isAuthError(error)) throw error;
      expect(error.status).toBe(503);
      expect(error.headers['retry-after'] ?? error.headers['Retry-After']).toBe('2');
    }
    expect(server.stats.jwks).toBe(2);
    await sleep(1_100); // within the second delay (2 s): no fetch
    await outcome(verifier.verify(token));
    expect(server.stats.jwks).toBe(2);
  });

  it('logs stale keys being served once, and the recovery once', async () => {
    const [idp, server] = await started();
    const verifier = createVerifier({
      jwksUri: server.jwksUri,
      cacheMaxAge: '50ms',
      cooldownDuration: '20ms',
    });
    const token = await idp.sign({ sub: 'a' });
    expect(await outcome(verifier.verify(token))).toBe('ok');
    server.faults.set('5xx');
    for (let i = 0; i < 4; i++) {
      await sleep(60);
      expect(await outcome(verifier.verify(await idp.sign({ sub: `s${i}` })))).toBe('ok');
    }
    expect(lines(errors)).toHaveLength(1);
    expect(lines(warnings).filter((l) => /last good keys/.test(l))).toHaveLength(1);
    server.faults.set(null);
    await sleep(60);
    expect(await outcome(verifier.verify(await idp.sign({ sub: 'b' })))).toBe('ok');
    expect(lines(warnings).filter((l) => /recovered/.test(l))).toHaveLength(1);
    expect(lines(errors)).toHaveLength(1);
  });

  it('logs a failed warmup once, with no hooks', async () => {
    const [, server] = await started();
    server.faults.set('non-json');
    createVerifier({ issuer: server.issuer, warmup: true });
    await vi.waitFor(() => expect(lines(errors).length).toBeGreaterThan(0), { timeout: 2_000 });
    await sleep(50);
    expect(lines(errors)).toHaveLength(1);
    expect(lines(errors)[0]).toMatch(/^tokengate: /);
  });

  it('logs a warmup that finds no usable key (not a fetch failure)', async () => {
    const [, server] = await started();
    createVerifier({ jwksUri: server.jwksUri, algorithms: ['RS256'], warmup: true });
    await vi.waitFor(() => expect(lines(errors).length).toBeGreaterThan(0), { timeout: 2_000 });
    expect(lines(errors)[0]).toMatch(/^tokengate: warmup failed: .*no key usable/);
  });

  it('never logs the query string of a key URL (it may carry an API key)', async () => {
    const [idp, server] = await started();
    server.faults.set('5xx');
    const verifier = createVerifier({ jwksUri: `${server.jwksUri}?api_key=hunter2-secret` });
    await outcome(verifier.verify(await idp.sign({ sub: 'a' })));
    expect(lines(errors)).toHaveLength(1);
    expect(lines(errors)[0]).toContain(server.jwksUri);
    expect(lines(errors)[0]).not.toContain('hunter2');
  });

  it('is replaced by onKeySourceEvent, and onKeySourceEvent: false turns it off', async () => {
    const [idp, server] = await started();
    server.faults.set('down');
    const events: KeySourceEvent[] = [];
    const token = await idp.sign({ sub: 'a' });
    const own = createVerifier({ jwksUri: server.jwksUri, onKeySourceEvent: (e) => events.push(e) });
    await outcome(own.verify(token));
    const silent = createVerifier({ issuer: server.issuer, onKeySourceEvent: false, warmup: true });
    await outcome(silent.verify(token));
    await sleep(50);
    expect(events.map((e) => e.type)).toEqual(['fetch_failed']);
    expect(lines(errors)).toEqual([]);
    expect(lines(warnings)).toEqual([]);
  });
});
