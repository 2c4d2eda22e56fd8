/**
 * A stand-in for identity providers in tests: one HTTP server on 127.0.0.1 serving each
 * provider's documents at its real host and path (`/<host><path>`), and a `fetch` that sends the
 * providers' real https URLs to it. Presets compute real provider URLs; this `fetch` (the
 * `fetch` option every user already has) is the only thing pointing them at 127.0.0.1, so the
 * tests prove the URLs a preset fetches, not a base URL a test passed in.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, importPKCS8, type JWK, SignJWT } from 'jose';

export interface Provider {
  /** Serves `body` as JSON at `url` (an https URL of the real provider). */
  serve(url: string, body: unknown): void;
  /** GETs received per provider URL. */
  readonly hits: Map<string, number>;
  /** Total GETs received. */
  total(): number;
  /** A fetch that sends every https request to this server, keeping host and path. */
  readonly fetch: typeof globalThis.fetch;
  close(): Promise<void>;
}

export async function startProvider(): Promise<Provider> {
  const documents = new Map<string, string>();
  const hits = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    const url = `https:/${req.url}`;
    hits.set(url, (hits.get(url) ?? 0) + 1);
    const body = documents.get(url);
    if (body === undefined) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const fetchVia: typeof globalThis.fetch = (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    if (url.protocol !== 'https:') throw new TypeError(`test provider: not https: ${url.href}`);
    return globalThis.fetch(`${origin}/${url.host}${url.pathname}${url.search}`, init);
  };
  return {
    serve: (url, body) => documents.set(url, JSON.stringify(body)),
    hits,
    total: () => [...hits.values()].reduce((a, b) => a + b, 0),
    fetch: fetchVia,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A signing key of a provider, and its public JWK as published (`kid`, `use: 'sig'`). */
export interface ProviderKey {
  readonly kid: string;
  readonly alg: string;
  readonly jwk: JWK;
  sign(claims: Record<string, unknown>, header?: Record<string, unknown>): Promise<string>;
}

export async function providerKey(kid: string, alg: 'RS256' | 'ES256' = 'RS256'): Promise<ProviderKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid, use: 'sig', alg };
  return keyOf(kid, alg, privateKey, jwk);
}

function keyOf(kid: string, alg: string, privateKey: CryptoKey, jwk: JWK): ProviderKey {
  return {
    kid,
    alg,
    jwk,
    sign: (claims, header = {}) =>
      new SignJWT(claims).setProtectedHeader({ alg, kid, typ: 'JWT', ...header }).sign(privateKey),
  };
}

/** The test-only certificate (and its key) that certificate-map tests publish. */
export const TEST_CERTIFICATE = readFileSync(
  new URL('./fixtures/test-only-cert.pem', import.meta.url),
  'utf8',
);

/** A key whose public half is published as {@link TEST_CERTIFICATE} under `kid`. */
export async function certificateKey(kid: string): Promise<ProviderKey> {
  const pem = readFileSync(new URL('./fixtures/test-only-key.pem', import.meta.url), 'utf8');
  const privateKey = await importPKCS8(pem, 'RS256');
  return keyOf(kid, 'RS256', privateKey as CryptoKey, { kid });
}

/** Seconds since the epoch. */
export const now = () => Math.floor(Date.now() / 1000);
