/**
 * OpenID Connect Back-Channel Logout 1.0 §2.6 in core: every defect of a logout token is a 400
 * `invalid_request`; a valid one revokes the session (or the subject) as of its `iat`, and the
 * session's access tokens are then refused 401 `revoked` by a verifier sharing the store.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { createBackchannelLogout, readNodeBody } from '../../src/adapter.js';
import {
  BACKCHANNEL_LOGOUT_EVENT,
  type BackchannelLogoutOptions,
  createMemoryReplayStore,
  createMemoryRevocationStore,
  createVerifier,
} from '../../src/index.js';
import { createTestIssuer } from '../../src/testing/index.js';

const ISSUER = 'https://op.example.com';
const CLIENT = 'rp-client';
const EVENTS = { [BACKCHANNEL_LOGOUT_EVENT]: {} };
const FORM = 'application/x-www-form-urlencoded';

const op = await createTestIssuer({ alg: 'ES256', issuer: ISSUER, audience: CLIENT });
const other = await createTestIssuer({ alg: 'ES256', issuer: ISSUER, audience: CLIENT });

function setup(extra: Partial<BackchannelLogoutOptions> = {}) {
  const revocation = createMemoryRevocationStore();
  const endpoint = createBackchannelLogout({
    issuer: ISSUER,
    audience: CLIENT,
    jwks: op.jwks,
    revocation,
    ...extra,
  });
  const post = (body: string, contentType: string | undefined = FORM) =>
    endpoint.answer(contentType, { kind: 'text', text: body });
  const send = (token: string) => post(`logout_token=${encodeURIComponent(token)}`);
  return { revocation, endpoint, post, send };
}

const logoutToken = (claims: Record<string, unknown> = {}, options: Parameters<typeof op.sign>[1] = {}) =>
  op.sign(
    { sid: 'session-1', sub: 'alice', events: EVENTS, ...claims },
    { typ: 'logout+jwt', expiresIn: '2m', ...options },
  );

async function expectDefect(
  answer: Promise<{ status: number; headers: Record<string, string>; body: string }>,
) {
  const response = await answer;
  expect(response.status).toBe(400);
  expect(response.headers['Cache-Control']).toBe('no-store');
  expect(JSON.parse(response.body).error).toBe('invalid_request');
  return JSON.parse(response.body).error_description as string;
}

describe('a valid logout token', () => {
  it('answers 200 with Cache-Control: no-store, and the session is revoked', async () => {
    const { send, revocation } = setup();
    const response = await send(await logoutToken());
    expect(response).toEqual({ status: 200, headers: { 'Cache-Control': 'no-store' }, body: '' });
    expect(revocation.sessionCount).toBe(1);
  });

  it('typ logout+jwt, application/logout+jwt, JWT and no typ are accepted', async () => {
    for (const typ of ['logout+jwt', 'application/logout+jwt', 'JWT', null]) {
      const { send } = setup();
      expect((await send(await logoutToken({}, { typ }))).status, String(typ)).toBe(200);
    }
  });

  it('a token without exp is accepted (iat bounds it)', async () => {
    expect((await setup().send(await logoutToken({}, { expiresIn: null }))).status).toBe(200);
  });

  it('with only sub it revokes the subject as of iat', async () => {
    const { send, revocation } = setup();
    const verifier = createVerifier({ issuer: ISSUER, audience: CLIENT, jwks: op.jwks, revocation });
    const now = Math.floor(Date.now() / 1000);
    const before = await op.sign({ sub: 'bob' }, { issuedAt: now - 200 });
    const after = await op.sign({ sub: 'bob' }, { issuedAt: now - 50 });
    const logout = await logoutToken({ sid: undefined, sub: 'bob' }, { issuedAt: now - 100 });
    expect((await send(logout)).status).toBe(200);
    await expect(verifier.verify(before)).rejects.toMatchObject({ code: 'invalid_token', reason: 'revoked' });
    // issued after the logout (and beyond clockTolerance): not the logged-out session's
    await expect(verifier.verify(after)).resolves.toMatchObject({ subject: 'bob' });
  });

  it("the session's access tokens are refused 401 revoked, cached or not; other sessions are not", async () => {
    const { send, revocation } = setup();
    for (const cache of [true, false]) {
      const verifier = createVerifier({ issuer: ISSUER, audience: 'api', jwks: op.jwks, revocation, cache });
      const token = await op.sign({ sub: 'carol', sid: `s-${cache}` }, { audience: 'api' });
      const otherSession = await op.sign({ sub: 'carol', sid: 'another' }, { audience: 'api' });
      await verifier.verify(token);
      await verifier.verify(token); // a cache hit from now on
      expect((await send(await logoutToken({ sid: `s-${cache}`, sub: 'carol' }))).status).toBe(200);
      await expect(verifier.verify(token)).rejects.toMatchObject({ status: 401, reason: 'revoked' });
      await expect(verifier.verify(otherSession)).resolves.toBeDefined();
    }
  });
});

describe('access tokens', () => {
  it('a sid that is not a string or not well-formed Unicode is 401 claims (stores key sessions by it)', async () => {
    const verifier = createVerifier({ issuer: ISSUER, audience: 'api', jwks: op.jwks });
    for (const sid of [42, ['s'], { id: 's' }, 'abc\ud800def']) {
      const token = await op.sign({ sub: 'alice', sid }, { audience: 'api' });
      await expect(verifier.verify(token)).rejects.toMatchObject({ status: 401, reason: 'claims' });
    }
    await expect(
      verifier.verify(await op.sign({ sub: 'alice', sid: 's' }, { audience: 'api' })),
    ).resolves.toBeDefined();
  });
});

describe('each defect is a 400 invalid_request', () => {
  const cases: [string, () => Promise<string>][] = [
    ['a bad signature', () => logoutToken({}, { defect: 'tampered' })],
    [
      'a key the issuer does not publish',
      () => other.sign({ sid: 's', events: EVENTS }, { typ: 'logout+jwt' }),
    ],
    ['alg none', () => logoutToken({}, { alg: 'none' })],
    ['HS256 keyed by the public key', () => logoutToken({}, { alg: 'HS256' })],
    ['the wrong iss', () => logoutToken({}, { issuer: 'https://evil.example.com' })],
    ['no iss', () => logoutToken({}, { issuer: null })],
    ['the wrong aud', () => logoutToken({}, { audience: 'someone-else' })],
    ['no aud', () => logoutToken({}, { audience: null })],
    ['expired', () => logoutToken({}, { defect: 'expired' })],
    ['no iat', () => logoutToken({}, { issuedAt: null })],
    ['iat in the future', () => logoutToken({}, { issuedAt: Math.floor(Date.now() / 1000) + 600 })],
    [
      'iat too old (no exp)',
      () => logoutToken({}, { issuedAt: Math.floor(Date.now() / 1000) - 600, expiresIn: null }),
    ],
    ['no jti', () => logoutToken({ jti: undefined })],
    ['no events', () => logoutToken({ events: undefined })],
    ['events without the logout event', () => logoutToken({ events: { 'urn:other': {} } })],
    ['the logout event not an object', () => logoutToken({ events: { [BACKCHANNEL_LOGOUT_EVENT]: true } })],
    ['events an array', () => logoutToken({ events: [BACKCHANNEL_LOGOUT_EVENT] })],
    ['neither sid nor sub', () => logoutToken({ sid: undefined, sub: undefined })],
    ['an empty sid', () => logoutToken({ sid: '' })],
    ['a sid that is not a string', () => logoutToken({ sid: 42 })],
    ['a nonce', () => logoutToken({ nonce: 'n-0S6_WzA2Mj' })],
    ['an ID token', () => op.sign({ sub: 'alice', sid: 'session-1', nonce: 'n', auth_time: 1 })],
    ['an ID token without nonce', () => op.sign({ sub: 'alice', sid: 'session-1' })],
    ['an access token (typ at+jwt)', () => logoutToken({}, { typ: 'at+jwt' })],
    ['typ dpop+jwt', () => logoutToken({}, { typ: 'dpop+jwt' })],
    ['not a JWT', async () => 'not-a-jwt'],
    ['a JWE-shaped value', async () => 'a.b.c.d.e'],
  ];
  for (const [name, make] of cases) {
    it(name, async () => {
      const { send, revocation } = setup();
      await expectDefect(send(await make()));
      expect(revocation.sessionCount).toBe(0);
    });
  }

  it('a replayed jti (the second delivery of the same token)', async () => {
    const { send } = setup();
    const token = await logoutToken();
    expect((await send(token)).status).toBe(200);
    expect(await expectDefect(send(token))).toMatch(/jti/);
  });

  it('a replayed jti through a shared replay store (another instance)', async () => {
    const replay = createMemoryReplayStore();
    const token = await logoutToken();
    expect((await setup({ replay }).send(token)).status).toBe(200);
    await expectDefect(setup({ replay }).send(token));
  });

  it('request defects: content type, no logout_token, two of them, an empty one, too large, unreadable', async () => {
    const { post, endpoint } = setup();
    const token = await logoutToken();
    await expectDefect(post(`logout_token=${token}`, 'application/json'));
    await expectDefect(endpoint.answer(undefined, { kind: 'text', text: `logout_token=${token}` }));
    await expectDefect(post(`logout_token=${token}`, 'text/plain'));
    await expectDefect(post('other=1'));
    await expectDefect(post(`logout_token=${token}&logout_token=${token}`));
    await expectDefect(post('logout_token='));
    await expectDefect(endpoint.answer(FORM, { kind: 'too_large' }));
    await expectDefect(endpoint.answer(FORM, { kind: 'unreadable' }));
    await expectDefect(endpoint.answer(FORM, { kind: 'parsed', form: { logout_token: ['a', 'b'] } }));
    expect(
      (await endpoint.answer(`${FORM}; charset=UTF-8`, { kind: 'parsed', form: { logout_token: token } }))
        .status,
    ).toBe(200);
  });

  it('no message carries the token', async () => {
    const { send } = setup();
    const token = await logoutToken({}, { defect: 'tampered' });
    const response = await send(token);
    for (const part of token.split('.')) expect(response.body).not.toContain(part);
  });
});

describe('what the endpoint cannot do answers 503, never 500', () => {
  it('keys unreachable', async () => {
    const server = createServer((_req, res) => res.writeHead(500).end()).listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    try {
      const { send } = setup({
        jwks: undefined,
        jwksUri: `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks`,
        timeoutDuration: '1s',
      });
      const response = await send(await logoutToken());
      expect(response.status).toBe(503);
      expect(response.headers['Retry-After']).toMatch(/^\d+$/);
      expect(JSON.parse(response.body).error).toBe('temporarily_unavailable');
    } finally {
      server.close();
    }
  });

  it('a store that fails to record', async () => {
    const failing = {
      ...createMemoryRevocationStore(),
      revokeSession: () => Promise.reject(new Error('down')),
    };
    const response = await setup({ revocation: failing }).send(await logoutToken());
    expect(response.status).toBe(503);
  });

  it('a replay store that throws', async () => {
    const replay = {
      markUsed: () => {
        throw new Error('down');
      },
    };
    expect((await setup({ replay }).send(await logoutToken())).status).toBe(503);
  });
});

describe('start-up', () => {
  it('refuses a store without revokeSession, a missing issuer or audience, unknown options', () => {
    const { isRevoked, revoke, revokeSubject } = createMemoryRevocationStore();
    expect(() => setup({ revocation: { isRevoked, revoke, revokeSubject } })).toThrow(TypeError);
    expect(() => setup({ issuer: undefined as never })).toThrow(TypeError);
    expect(() => setup({ audience: undefined as never })).toThrow(TypeError);
    expect(() => setup({ jwksUrl: 'x' } as never)).toThrow(TypeError);
    expect(() => setup({ replay: {} as never })).toThrow(TypeError);
  });
});

describe('the body readers', () => {
  it('read a Node request within the bound, and refuse a larger one unread', async () => {
    const results: unknown[] = [];
    const server = createServer(async (req, res) => {
      results.push(await readNodeBody(req, 16));
      res.end();
    }).listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    try {
      await fetch(url, { method: 'POST', body: 'logout_token=ab' });
      await fetch(url, { method: 'POST', body: 'x'.repeat(17) });
      // chunked, no Content-Length: counted while read
      const stream = new ReadableStream({
        start(c) {
          c.enqueue(new TextEncoder().encode('y'.repeat(40)));
          c.close();
        },
      });
      await fetch(url, { method: 'POST', body: stream, duplex: 'half' } as RequestInit);
    } finally {
      server.close();
    }
    expect(results).toEqual([
      { kind: 'text', text: 'logout_token=ab' },
      { kind: 'too_large' },
      { kind: 'too_large' },
    ]);
  });
});
