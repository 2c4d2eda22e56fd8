import { createLocalJWKSet, jwtVerify } from 'jose';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createVerifier } from '../../../src/index.js';
import { discoverIssuer, discoveryUrls, getIssuerDiscovery } from '../../../src/keys/remote/discovery.js';
import type { KeySourceEvent } from '../../../src/keys/remote/events.js';
import { getIssuerJwks } from '../../../src/keys/remote/issuer-jwks.js';
import type { RemoteJwksOptions } from '../../../src/keys/remote/options.js';
import { createTestIssuer, type TestIssuer, type TestIssuerServer } from '../../../src/testing/index.js';

let idp: TestIssuer;
let server: TestIssuerServer;
let t: number;
let options: RemoteJwksOptions;
let events: KeySourceEvent[];

beforeEach(async () => {
  idp = await createTestIssuer({ alg: 'ES256', kid: 'k1' });
  server = await idp.listen();
  t = 1_700_000_000_000;
  events = [];
  // a fresh clock function per test gives each test its own shared-registry entry
  options = { now: () => t, timeoutDuration: '300ms', onEvent: (e) => events.push(e) };
});
afterEach(async () => {
  await server.close();
});

async function rejection(promise: Promise<unknown>) {
  try {
    await promise;
  } catch (error) {
    return error as any;
  }
  throw new Error('expected a rejection');
}

describe('discoveryUrls', () => {
  it('builds the OIDC and RFC 8414 locations', () => {
    expect(discoveryUrls('https://idp.example.com')).toEqual({
      openid: 'https://idp.example.com/.well-known/openid-configuration',
      oauth: 'https://idp.example.com/.well-known/oauth-authorization-server',
    });
    expect(discoveryUrls('https://idp.example.com/')).toEqual(discoveryUrls('https://idp.example.com'));
    expect(discoveryUrls('https://h.example/tenant1/')).toEqual({
      openid: 'https://h.example/tenant1/.well-known/openid-configuration',
      oauth: 'https://h.example/.well-known/oauth-authorization-server/tenant1',
    });
    expect(discoveryUrls('http://127.0.0.1:8080/t').openid).toBe(
      'http://127.0.0.1:8080/t/.well-known/openid-configuration',
    );
  });

  it('rejects insecure or malformed issuers with TypeError', () => {
    expect(() => discoveryUrls('http://idp.example.com')).toThrow(TypeError);
    expect(() => discoveryUrls('https://idp.example.com/?tenant=1')).toThrow(/query or fragment/);
    expect(() => discoveryUrls('https://idp.example.com/#x')).toThrow(TypeError);
    expect(() => discoveryUrls('idp.example.com')).toThrow(TypeError);
    expect(() => getIssuerDiscovery('http://idp.example.com')).toThrow(TypeError);
  });
});

describe('discoverIssuer', () => {
  it('reads the metadata once and shares it', async () => {
    const meta = await discoverIssuer(server.issuer, options);
    expect(meta).toMatchObject({
      issuer: server.url,
      jwksUri: server.jwksUri,
      url: server.discoveryUri,
    });
    expect(meta.metadata.id_token_signing_alg_values_supported).toEqual(['ES256']);
    const again = await Promise.all(Array.from({ length: 20 }, () => discoverIssuer(server.issuer, options)));
    expect(again.every((m) => m === meta)).toBe(true);
    expect(server.stats.discovery).toBe(1);
    expect(getIssuerDiscovery(server.issuer, options).peek()).toBe(meta);
  });

  it('a trailing-slash difference is a mismatch', async () => {
    const error = await rejection(discoverIssuer(`${server.url}/`, options));
    expect(error.code).toBe('key_source_unavailable');
    expect(error.status).toBe(503);
    expect(error.cause.kind).toBe('issuer_mismatch');
    expect(error.detail).toContain(server.discoveryUri);
    expect(error.detail).toContain(`"${server.url}/"`);
  });

  const defects = [
    {
      fault: 'issuer-mismatch',
      kind: 'issuer_mismatch',
      text: /names issuer "https:\/\/wrong-issuer.example"/,
    },
    { fault: 'no-jwks-uri', kind: 'no_jwks_uri', text: /has no jwks_uri/ },
    { fault: 'non-json', kind: 'not_json', text: /is not JSON \(content-type: text\/html/ },
    { fault: 'garbage', kind: 'not_json', text: /is not JSON/ },
    { fault: 'wrong-shape', kind: 'wrong_shape', text: /not a JSON object/ },
    { fault: 'down', kind: 'network', text: /failed/ },
  ] as const;
  for (const { fault, kind, text } of defects) {
    it(`${fault}: 503 naming the URL and the defect`, async () => {
      server.faults.set(fault);
      const error = await rejection(discoverIssuer(server.issuer, options));
      expect(error.code).toBe('key_source_unavailable');
      expect(error.cause.kind).toBe(kind);
      expect(error.detail).toContain(server.discoveryUri);
      expect(error.detail).toMatch(text);
      expect(events).toEqual([
        expect.objectContaining({ type: 'fetch_failed', kind, url: server.discoveryUri }),
      ]);
    });
  }

  it('5xx on both locations names both URLs', async () => {
    server.faults.set('5xx');
    const error = await rejection(discoverIssuer(server.issuer, options));
    expect(error.cause.kind).toBe('http_status');
    expect(error.detail).toContain(server.discoveryUri);
    expect(error.detail).toContain(`${server.url}/.well-known/oauth-authorization-server`);
    expect(server.stats.discovery).toBe(2);
  });

  it('falls back to the RFC 8414 location, with the path after the well-known segment', async () => {
    await server.close();
    server = await idp.listen({ path: '/tenant1', metadata: 'oauth-authorization-server' });
    const meta = await discoverIssuer(`${server.url}/tenant1`, options);
    expect(meta.url).toBe(`${server.url}/.well-known/oauth-authorization-server/tenant1`);
    expect(meta.jwksUri).toBe(server.jwksUri);
    expect(server.stats.discovery).toBe(2);
  });

  it('times out within timeoutDuration across both locations', async () => {
    server.faults.set('slow', { delayMs: 5_000 });
    const started = performance.now();
    const error = await rejection(discoverIssuer(server.issuer, options));
    expect(performance.now() - started).toBeLessThan(300 + 250);
    expect(error.cause.kind).toBe('timeout');
  });

  it('retries a failed discovery no more often than the backoff (1 s, doubling up to cooldownDuration)', async () => {
    server.faults.set('issuer-mismatch');
    const opts = { ...options, cooldownDuration: '30s' };
    await rejection(discoverIssuer(server.issuer, opts));
    t += 1_000;
    await rejection(discoverIssuer(server.issuer, opts));
    expect(server.stats.discovery).toBe(2);
    server.faults.set(null);
    t += 1_999;
    const error = await rejection(discoverIssuer(server.issuer, opts));
    expect(error.retryAfter).toBe(1);
    expect(server.stats.discovery).toBe(2);
    t += 1;
    await expect(discoverIssuer(server.issuer, opts)).resolves.toMatchObject({ jwksUri: server.jwksUri });
    expect(server.stats.discovery).toBe(3);
  });

  it('rejects a jwks_uri that is neither https nor loopback', async () => {
    const error = await rejection(
      discoverIssuer(server.issuer, {
        ...options,
        fetch: async (input, init) => {
          const doc = (await (await fetch(input, init)).json()) as Record<string, unknown>;
          return Response.json({ ...doc, jwks_uri: 'http://keys.example.com/jwks' });
        },
      }),
    );
    expect(error.cause.kind).toBe('insecure_url');
  });

  it("does not follow an https issuer's document to plain http on loopback", async () => {
    // The http-on-loopback exception is for URLs the operator wrote; here the issuer is https and
    // its document points at a plain-http service on this machine (the test issuer's real JWKS).
    const issuer = 'https://idp.example.com/';
    const fetchVia: typeof fetch = async (input, init) => {
      const url = String(input instanceof Request ? input.url : input);
      if (url.startsWith(issuer)) return Response.json({ issuer, jwks_uri: server.jwksUri });
      return fetch(input, init);
    };
    const error = await rejection(discoverIssuer(issuer, { ...options, fetch: fetchVia }));
    expect(error.cause.kind).toBe('insecure_url');

    const verifier = createVerifier({ issuer, fetch: fetchVia, timeoutDuration: '300ms' });
    const token = await idp.sign({ sub: 'a' }, { issuer });
    const refused = await rejection(verifier.verify(token));
    expect(refused.status).toBe(503);
    expect(server.stats.jwks).toBe(0);
  });

  it('still follows a loopback issuer to its loopback http jwks_uri', async () => {
    await expect(discoverIssuer(server.issuer, options)).resolves.toMatchObject({ jwksUri: server.jwksUri });
  });
});

describe('getIssuerJwks', () => {
  it('discovers, then serves the issuer keys; tokens verify with them', async () => {
    const keys = getIssuerJwks(server.issuer, options);
    expect(keys.peek()).toBeUndefined();
    const set = await keys.getKeys('k1');
    expect(keys.url).toBe(server.jwksUri);
    expect(set.keys.map((k) => k.kid)).toEqual(['k1']);
    expect(keys.peek()).toBe(set);
    expect(server.stats).toEqual({ discovery: 1, jwks: 1 });
    const token = await idp.sign({ sub: 'alice' });
    const { payload } = await jwtVerify(token, createLocalJWKSet({ keys: set.keys as never }), {
      issuer: server.issuer,
    });
    expect(payload.sub).toBe('alice');
  });

  it('a discovery failure is a 503 for the key request', async () => {
    server.faults.set('no-jwks-uri');
    const error = await rejection(getIssuerJwks(server.issuer, options).getKeys('k1'));
    expect(error.code).toBe('key_source_unavailable');
    expect(error.cause.kind).toBe('no_jwks_uri');
    expect(server.stats.jwks).toBe(0);
  });
});
