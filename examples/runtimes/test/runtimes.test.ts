import { createTestIssuer, type TestIssuer, type TestIssuerServer } from '@tokengate/core/testing';
import { exportJWK, generateKeyPair, type JWTPayload, SignJWT } from 'jose';
import { WebSocket as BrowserWebSocket } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { MODES, type Mode, type RuntimeAppConfig } from '../src/app.js';
import {
  type Bundles,
  bundleApp,
  type CryptoReport,
  type RunningApp,
  startBun,
  startDeno,
  startWorkerd,
} from './runtimes.js';

/**
 * docs/frameworks.md (Hono) promises that the Hono adapter and the core run on Bun, Deno and Workers.
 * This runs one Hono app, bundled with esbuild from the built packages, on each of them (workerd
 * through Miniflare, with and without `nodejs_compat`; every runtime installed from npm) in every
 * key mode, with tokens from jose and from the core's test issuer on 127.0.0.1.
 */

const AUDIENCE = 'api://runtimes';
const SECRET = 'a-shared-secret-of-at-least-32-bytes!';
const LOCAL = { rs256: 'RS256', es256: 'ES256', eddsa: 'EdDSA' } as const;
type Local = keyof typeof LOCAL;

const ALL = ['HS256', 'RS256', 'PS256', 'ES256', 'ES384', 'ES512', 'EdDSA'];
/**
 * What each runtime uses (docs/frameworks.md says so): Bun's and Deno's node:crypto pass every self-test;
 * workerd has no node:crypto without `nodejs_compat`, and with it, one that cannot check ECDSA or
 * RSA-PSS signatures, so EC and RSA keys go to WebCrypto there.
 */
const CRYPTO: Record<string, CryptoReport> = {
  bun: { backend: 'auto', nodeCryptoPasses: ALL },
  deno: { backend: 'auto', nodeCryptoPasses: ALL },
  workerd: { backend: 'webcrypto', nodeCryptoPasses: null },
  'workerd (nodejs_compat)': { backend: 'auto', nodeCryptoPasses: ['HS256', 'RS256', 'EdDSA'] },
};

interface Signer {
  sign(claims: JWTPayload, defect?: 'expired' | 'wrong-key'): Promise<string>;
}

let remote: TestIssuer;
let remoteServer: TestIssuerServer;
let discovery: TestIssuer;
let discoveryServer: TestIssuerServer;
let shared: TestIssuer;
let sharedServer: TestIssuerServer;
let bundles: Bundles;
const signers = {} as Record<Mode, Signer>;
const runtimes: RunningApp[] = [];

/** A jose signer for one key (and an impostor key under the same `kid` for `wrong-key`). */
async function joseSigner(
  alg: string,
  kid: string | undefined,
  key: CryptoKey | Uint8Array,
  impostor: CryptoKey | Uint8Array,
): Promise<Signer> {
  return {
    async sign(claims, defect) {
      const now = Math.floor(Date.now() / 1000);
      const jwt = new SignJWT(claims)
        .setProtectedHeader({ alg, typ: 'JWT', ...(kid ? { kid } : {}) })
        .setAudience(AUDIENCE)
        .setIssuedAt(defect === 'expired' ? now - 7200 : now)
        .setExpirationTime(defect === 'expired' ? now - 3600 : now + 300);
      return jwt.sign(defect === 'wrong-key' ? impostor : key);
    },
  };
}

function issuerSigner(issuer: TestIssuer, alg: string): Signer {
  return {
    sign: (claims, defect) => issuer.sign(claims, { alg, audience: AUDIENCE, ...(defect ? { defect } : {}) }),
  };
}

beforeAll(async () => {
  const encoder = new TextEncoder();
  signers.hs256 = await joseSigner(
    'HS256',
    undefined,
    encoder.encode(SECRET),
    encoder.encode(`${SECRET}-not`),
  );
  const jwks = {} as RuntimeAppConfig['jwks'];
  await Promise.all(
    (Object.keys(LOCAL) as Local[]).map(async (mode) => {
      const alg = LOCAL[mode];
      const [pair, impostor] = await Promise.all([generateKeyPair(alg), generateKeyPair(alg)]);
      const kid = `${mode}-1`;
      jwks[mode] = { keys: [{ ...(await exportJWK(pair.publicKey)), kid, use: 'sig' } as JsonWebKey] };
      signers[mode] = await joseSigner(alg, kid, pair.privateKey, impostor.privateKey);
    }),
  );
  // The remote key set's RSA key signs PS256 tokens (the app allows only PS256 there).
  remote = await createTestIssuer({ alg: 'RS256' });
  discovery = await createTestIssuer({ alg: 'ES256' });
  shared = await createTestIssuer({ alg: 'EdDSA' });
  [remoteServer, discoveryServer, sharedServer] = await Promise.all([
    remote.listen(),
    discovery.listen(),
    shared.listen(),
  ]);
  signers.remote = issuerSigner(remote, 'PS256');
  signers.discovery = issuerSigner(discovery, 'ES256');
  bundles = await bundleApp({
    audience: AUDIENCE,
    secret: SECRET,
    jwks,
    jwksUri: remoteServer.jwksUri,
    issuer: discoveryServer.issuer,
    sharedJwksUri: sharedServer.jwksUri,
  });
  const started = await Promise.allSettled([
    startBun(bundles),
    startDeno(bundles),
    startWorkerd(bundles, { nodejsCompat: false }),
    startWorkerd(bundles, { nodejsCompat: true }),
  ]);
  for (const result of started) if (result.status === 'fulfilled') runtimes.push(result.value);
  const failed = started.find((result) => result.status === 'rejected');
  if (failed) throw (failed as PromiseRejectedResult).reason;
}, 60_000);

afterAll(async () => {
  await Promise.allSettled(runtimes.map((runtime) => runtime.close()));
  await Promise.allSettled([remoteServer?.close(), discoveryServer?.close(), sharedServer?.close()]);
  bundles?.remove();
});

async function call(runtime: RunningApp, mode: string, token: string) {
  const response = await fetch(`${runtime.url}/${mode}/claims`, {
    headers: { authorization: `Bearer ${token}` },
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    body = { text };
  }
  return { status: response.status, body };
}

describe.each(['bun', 'deno', 'workerd', 'workerd (nodejs_compat)'])('%s', (name) => {
  const runtime = () => {
    const found = runtimes.find((r) => r.name === name);
    if (!found) throw new Error(`${name} is not running`);
    return found;
  };

  it('verifies with node:crypto where it passes its self-tests, WebCrypto otherwise', async () => {
    expect(await runtime().cryptoReport()).toEqual(CRYPTO[name]);
  });

  it.each(MODES)(
    '%s: valid → 200 with claims, bad signature → 401, no scope → 403, expired → 401',
    async (mode) => {
      const signer = signers[mode];
      const claims = { sub: `user-${mode}`, scope: 'read', tenant: name };
      const [valid, badSignature, noScope, expired] = await Promise.all([
        signer.sign(claims),
        signer.sign(claims, 'wrong-key'),
        signer.sign({ ...claims, scope: 'write' }),
        signer.sign(claims, 'expired'),
      ]);
      const app = runtime();
      const context = () => `${app.name} ${mode}; runtime output:\n${app.output()}`;

      const ok = await call(app, mode, valid);
      expect(ok, context()).toMatchObject({ status: 200, body: claims });
      // Only meaningful because the valid token passed on this same configuration.
      expect(await call(app, mode, badSignature), context()).toMatchObject({
        status: 401,
        body: { code: 'invalid_token', reason: 'bad_signature' },
      });
      expect(await call(app, mode, noScope), context()).toMatchObject({
        status: 403,
        body: { code: 'insufficient_scope' },
      });
      expect(await call(app, mode, expired), context()).toMatchObject({
        status: 401,
        body: { code: 'invalid_token', reason: 'expired' },
      });
    },
  );
});

/**
 * Whether requests that wait for a key fetch started by another request survive that request
 * ending first. On workerd the fetch is cancelled with it (its I/O belongs to that request), so
 * the waiting request answers 503 at the fetch deadline and the next one fetches anew; elsewhere
 * the fetch completes and serves both. Before the fix, workerd's waiting requests hung for good.
 */
const ABANDONED: Record<string, number> = {
  bun: 200,
  deno: 200,
  workerd: 503,
  'workerd (nodejs_compat)': 503,
};

describe.each(Object.keys(ABANDONED))('%s: a key fetch whose request ends first', (name) => {
  it('does not strand the requests waiting for it', async () => {
    const app = runtimes.find((r) => r.name === name);
    if (!app) throw new Error(`${name} is not running`);
    const token = await shared.sign({ sub: 'shared', scope: 'read' }, { audience: AUDIENCE });
    sharedServer.faults.set('slow', { delayMs: 1_000 });
    const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    const started = Date.now();
    // The key set answers after 1 s (the fetch timeout is 2 s); later fetches at once.
    const [hurried, patient] = await Promise.all([
      call(app, 'hurried', token), // starts the fetch, gives up at 500 ms
      sleep(100).then(() => call(app, 'patient', token)), // waits for that fetch
      sleep(700).then(() => sharedServer.faults.set(null)),
    ]);
    const context = `${name}; runtime output:\n${app.output()}`;
    expect(hurried.status, context).toBe(504);
    expect(patient.status, context).toBe(ABANDONED[name]);
    if (patient.status === 503) expect(patient.body.code).toBe('key_source_unavailable');
    expect(Date.now() - started, context).toBeLessThan(4_000);
    // the next request is served (on workerd, by a new fetch)
    expect(await call(app, 'patient', token), context).toMatchObject({
      status: 200,
      body: { sub: 'shared' },
    });
  });
});

/**
 * docs/connections.md on Bun and Deno: a WebSocket opened through Hono's own `upgradeWebSocket`,
 * authenticated by `jwtAuth` from the `bearer.<token>` subprotocol and held by `watchAuth`, is
 * closed with 4401 within a second after the token's `exp`; the token is never the subprotocol
 * the server answers with. (workerd is test/workerd-websocket.test.ts: Hono's helper there answers
 * 101 without the `Sec-WebSocket-Protocol` a client that offered some requires, so its route uses
 * workerd's `WebSocketPair`.)
 */
describe.each(['bun', 'deno'])('%s: a WebSocket held to its token', (name) => {
  it('is refused without a token, and closed with 4401 within a second after exp', async () => {
    const app = runtimes.find((r) => r.name === name);
    if (!app) throw new Error(`${name} is not running`);
    const url = `${app.url.replace('http', 'ws')}/ws`;
    const refused = await new Promise<number>((resolve, reject) => {
      const socket = new WebSocket(url, ['chat']);
      socket.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      socket.once('open', () => reject(new Error('opened without a token')));
      socket.once('error', reject);
    });
    expect(refused).toBe(401);

    const exp = Math.floor(Date.now() / 1000) + 2;
    const token = await new SignJWT({ sub: 'alice' })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setAudience(AUDIENCE)
      .setIssuedAt()
      .setExpirationTime(exp)
      .sign(new TextEncoder().encode(SECRET));
    // A browser's WebSocket (undici's WHATWG one): it offers `chat, bearer.<token>` as browsers
    // spell the list (Deno's upgrade needs that spelling; `ws` joins without the space).
    const socket = new BrowserWebSocket(url, ['chat', `bearer.${token}`]);
    const greeting = new Promise<string>((resolve) =>
      socket.addEventListener('message', (event) => resolve(String(event.data)), { once: true }),
    );
    const closed = new Promise<{ code: number; reason: string; at: number }>((resolve) =>
      socket.addEventListener('close', (event) =>
        resolve({ code: event.code, reason: event.reason, at: Date.now() }),
      ),
    );
    await new Promise((resolve, reject) => {
      socket.addEventListener('open', resolve, { once: true });
      socket.addEventListener(
        'error',
        () => reject(new Error(`no WebSocket; runtime output:\n${app.output()}`)),
        {
          once: true,
        },
      );
    });
    expect(socket.protocol).toBe('chat');
    expect(await greeting).toBe('hello alice');
    const { code, reason, at } = await closed;
    expect({ code, reason }, app.output()).toEqual({ code: 4401, reason: 'expired' });
    expect(at).toBeGreaterThanOrEqual(exp * 1000);
    expect(at - exp * 1000).toBeLessThan(1000);
  });
});
