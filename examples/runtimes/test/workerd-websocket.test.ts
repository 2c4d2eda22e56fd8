import { createTestIssuer, type TestIssuer, type TestIssuerServer } from '@tokengate/core/testing';
import { exportJWK, generateKeyPair, type JWTPayload, SignJWT } from 'jose';
import { WebSocket as BrowserWebSocket } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type Bundles, bundleApp, type RunningApp, startWorkerd } from './runtimes.js';

/**
 * docs/connections.md on Cloudflare's workerd (through Miniflare, with and without
 * `nodejs_compat`): the `/ws` route of src/workerd-websocket.ts, with real `ws` clients and
 * undici's WHATWG WebSocket (a browser's). The upgrade is refused with the ordinary 401 before any
 * socket exists; the 101 answers with the app's subprotocol, never the token; each socket closes
 * with 4401 within a second after its own `exp`, though workerd lets only the request that
 * accepted a socket close it; a revocation made by another request closes it too, and so does the
 * withdrawal of its key from a remote key set, after the socket that first watched it has closed.
 */

const AUDIENCE = 'api://runtimes';
const SECRET = 'a-shared-secret-of-at-least-32-bytes!';
const key = new TextEncoder().encode(SECRET);
const now = () => Math.floor(Date.now() / 1000);

let bundles: Bundles;
/** The remote key set of `/remote-keys/ws` (PS256 tokens, refetched every second). */
let idp: TestIssuer;
let idpServer: TestIssuerServer;
const runtimes: RunningApp[] = [];

beforeAll(async () => {
  // Only `/ws` and `/revoke` are called: the other routes get keys, but no token and no fetch.
  const jwks = async (alg: string) => {
    const { publicKey } = await generateKeyPair(alg);
    return { keys: [{ ...(await exportJWK(publicKey)), kid: alg } as JsonWebKey] };
  };
  idp = await createTestIssuer({ alg: 'RS256' });
  idpServer = await idp.listen();
  bundles = await bundleApp({
    audience: AUDIENCE,
    secret: SECRET,
    jwks: { rs256: await jwks('RS256'), es256: await jwks('ES256'), eddsa: await jwks('EdDSA') },
    jwksUri: idpServer.jwksUri,
    issuer: 'http://127.0.0.1:9',
    sharedJwksUri: 'http://127.0.0.1:9/jwks',
  });
  const started = await Promise.allSettled([
    startWorkerd(bundles, { nodejsCompat: false }),
    startWorkerd(bundles, { nodejsCompat: true }),
  ]);
  for (const result of started) if (result.status === 'fulfilled') runtimes.push(result.value);
  const failed = started.find((result) => result.status === 'rejected');
  if (failed) throw (failed as PromiseRejectedResult).reason;
}, 60_000);

afterAll(async () => {
  await Promise.allSettled(runtimes.map((runtime) => runtime.close()));
  await idpServer?.close();
  bundles?.remove();
});

function sign(claims: JWTPayload, exp = now() + 300, signingKey: Uint8Array = key): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setAudience(AUDIENCE)
    .setIssuedAt(Math.min(now(), exp - 1))
    .setExpirationTime(exp)
    .sign(signingKey);
}

interface Closed {
  code: number;
  reason: string;
  at: number;
}

/** A `ws` client that opened: the 101's headers, its first message, and its close. */
interface Opened {
  socket: WebSocket;
  answered: Record<string, string | string[] | undefined>;
  greeting: Promise<string>;
  closed: Promise<Closed>;
}

function openWs(url: string, protocols: string[], headers: Record<string, string> = {}): Promise<Opened> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, protocols, { headers });
    let answered: Opened['answered'] = {};
    socket.once('upgrade', (response) => {
      answered = response.headers;
    });
    const greeting = new Promise<string>((done) => socket.once('message', (data) => done(String(data))));
    const closed = new Promise<Closed>((done) =>
      socket.once('close', (code, reason) => done({ code, reason: String(reason), at: Date.now() })),
    );
    socket.once('open', () => resolve({ socket, answered, greeting, closed }));
    socket.once('unexpected-response', (_request, response) =>
      reject(new Error(`refused with ${response.statusCode}`)),
    );
    socket.once('error', reject);
  });
}

/** The answer to an upgrade that must be refused: its status and `WWW-Authenticate`. */
function refusal(url: string, protocols: string[], headers: Record<string, string> = {}) {
  return new Promise<{ status: number; challenge: string | undefined }>((resolve, reject) => {
    const socket = new WebSocket(url, protocols, { headers });
    socket.once('unexpected-response', (_request, response) => {
      resolve({ status: response.statusCode ?? 0, challenge: response.headers['www-authenticate'] });
      response.resume();
      socket.terminate();
    });
    socket.once('open', () => reject(new Error('the upgrade was accepted')));
    socket.once('error', reject);
  });
}

/** The close of `opened`, or `still open` when it has not closed by `by` (ms since the epoch). */
function closedBy(opened: Opened, by: number): Promise<Closed | 'still open'> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<'still open'>((resolve) => {
    timer = setTimeout(() => resolve('still open'), Math.max(0, by - Date.now()));
  });
  return Promise.race([opened.closed, late]).finally(() => clearTimeout(timer));
}

/** Expects a close with 4401 `expired` within a second after `exp`. */
async function expectClosedAt(opened: Opened, exp: number, context: () => string) {
  const closed = await closedBy(opened, exp * 1000 + 1500);
  if (closed === 'still open') expect.fail(`open past exp + 1.5 s; ${context()}`);
  const { code, reason, at } = closed;
  expect({ code, reason }, context()).toEqual({ code: 4401, reason: 'expired' });
  expect(at, context()).toBeGreaterThanOrEqual(exp * 1000);
  expect(at - exp * 1000, context()).toBeLessThan(1000);
}

describe.each(['workerd', 'workerd (nodejs_compat)'])('%s: a WebSocket held to its token', (name) => {
  const app = () => {
    const found = runtimes.find((r) => r.name === name);
    if (!found) throw new Error(`${name} is not running`);
    return found;
  };
  const wsUrl = () => `${app().url.replace('http', 'ws')}/ws`;
  const context = () => `runtime output:\n${app().output()}`;

  it('refuses a missing, expired or forged token with the 401 challenge, before the upgrade', async () => {
    expect(await refusal(wsUrl(), ['chat'])).toEqual({ status: 401, challenge: 'Bearer' });
    const expired = await sign({ sub: 'alice' }, now() - 60);
    const forged = await sign({ sub: 'alice' }, now() + 300, new TextEncoder().encode(`${SECRET}-not`));
    for (const token of [expired, forged]) {
      const fromProtocol = await refusal(wsUrl(), ['chat', `bearer.${token}`]);
      expect(fromProtocol.status).toBe(401);
      expect(fromProtocol.challenge).toMatch(/^Bearer error="invalid_token"/);
      const fromHeader = await refusal(wsUrl(), ['chat'], { authorization: `Bearer ${token}` });
      expect(fromHeader.status).toBe(401);
      expect(fromHeader.challenge).toMatch(/^Bearer error="invalid_token"/);
    }
  });

  it('answers with the offered subprotocol that is not the token (browser and ws clients)', async () => {
    const token = await sign({ sub: 'alice' });
    // undici's WHATWG WebSocket refuses a 101 without one of the protocols it offered.
    const browser = new BrowserWebSocket(wsUrl(), ['chat', `bearer.${token}`]);
    const browserGreeting = await new Promise<string>((resolve, reject) => {
      browser.addEventListener('message', (event) => resolve(String(event.data)), { once: true });
      browser.addEventListener('error', () => reject(new Error(`no WebSocket; ${context()}`)), {
        once: true,
      });
    });
    expect(browser.protocol).toBe('chat');
    expect(browserGreeting).toBe('hello alice');
    browser.close();

    // The token listed first: still not the answer.
    const ws = await openWs(wsUrl(), [`bearer.${token}`, 'chat']);
    expect(ws.answered['sec-websocket-protocol']).toBe('chat');
    expect(ws.socket.protocol).toBe('chat');
    expect(await ws.greeting).toBe('hello alice');
    ws.socket.close();

    // A plain request with a valid token is not an upgrade.
    const plain = await fetch(`${app().url}/ws`, { headers: { authorization: `Bearer ${token}` } });
    expect([plain.status, await plain.text()]).toEqual([426, 'WebSocket only']);

    // A non-browser client: the token in Authorization, with or without a subprotocol.
    const withHeader = await openWs(wsUrl(), ['chat'], { authorization: `Bearer ${token}` });
    expect(withHeader.answered['sec-websocket-protocol']).toBe('chat');
    expect(await withHeader.greeting).toBe('hello alice');
    withHeader.socket.close();
    const bare = await openWs(wsUrl(), [], { authorization: `Bearer ${token}` });
    expect(bare.answered['sec-websocket-protocol']).toBeUndefined();
    expect(await bare.greeting).toBe('hello alice');
    bare.socket.close();
  });

  it('closes each of several sockets with 4401 within a second after its own exp', async () => {
    // The latest first, then two sharing an earlier exp, then one that stays: each is closed by
    // its own request, whichever request armed the earliest timer and whenever that one closed.
    const t = now();
    const exps = [t + 3, t + 2, t + 2, t + 300];
    const sockets: Opened[] = [];
    for (const [i, exp] of exps.entries()) {
      sockets.push(await openWs(wsUrl(), ['chat', `bearer.${await sign({ sub: `user-${i}` }, exp)}`]));
    }
    for (const [i, opened] of sockets.entries()) expect(await opened.greeting).toBe(`hello user-${i}`);
    await Promise.all(sockets.slice(0, 3).map((opened, i) => expectClosedAt(opened, exps[i]!, context)));
    const last = sockets[3]!;
    expect(last.socket.readyState, context()).toBe(WebSocket.OPEN);
    last.socket.close();
    expect((await last.closed).code).not.toBe(4401);
  });

  it('closes a socket with 4401 when another request revokes its token', async () => {
    const token = await sign({ sub: 'bob', jti: `bob-${name}` });
    const opened = await openWs(wsUrl(), ['chat', `bearer.${token}`]);
    const other = await openWs(wsUrl(), ['chat', `bearer.${await sign({ sub: 'carol', jti: 'carol' })}`]);
    expect(await opened.greeting).toBe('hello bob');
    const admin = await sign({ sub: 'admin', scope: 'admin' });
    const revoked = await fetch(`${app().url}/revoke`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({ jti: `bob-${name}`, exp: now() + 300 }),
    });
    expect(revoked.status).toBe(200);
    const closed = await closedBy(opened, Date.now() + 1000);
    if (closed === 'still open') expect.fail(`open a second after the revocation; ${context()}`);
    expect({ code: closed.code, reason: closed.reason }, context()).toEqual({
      code: 4401,
      reason: 'revoked',
    });
    expect(other.socket.readyState).toBe(WebSocket.OPEN);
    other.socket.close();
  });

  it('closes a socket with 4401 when its key is withdrawn, not when a key joins the set', async () => {
    const url = `${app().url.replace('http', 'ws')}/remote-keys/ws`;
    const token = (sub: string) => idp.sign({ sub }, { alg: 'PS256', audience: AUDIENCE });
    // The first socket on the key set closes early: on workerd its request's timers die with it.
    const first = await openWs(url, ['chat', `bearer.${await token('first')}`]);
    const held = await openWs(url, ['chat', `bearer.${await token('held')}`]);
    expect(await held.greeting).toBe('hello held');
    first.socket.close();
    await first.closed;
    await idp.rotate({ keep: true });
    expect(await closedBy(held, Date.now() + 2500), context()).toBe('still open');
    await idp.rotate({ keep: false });
    const closed = await closedBy(held, Date.now() + 3000);
    if (closed === 'still open') expect.fail(`open 3 s after its key was withdrawn; ${context()}`);
    expect({ code: closed.code, reason: closed.reason }, context()).toEqual({
      code: 4401,
      reason: 'key_withdrawn',
    });
  });
});
