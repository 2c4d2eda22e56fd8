/**
 * `backchannelLogout` in every adapter, over real HTTP on 127.0.0.1: each reads the form body
 * itself, within its bound, and answers what core decides — 200 with `Cache-Control: no-store`, or
 * 400 `invalid_request` — never a 500 or the framework's own error shape; the session's tokens are
 * then refused 401 `revoked` by `jwtAuth` with the same store.
 */
import { request } from 'node:http';
import { getRequestListener } from '@hono/node-server';
import { BACKCHANNEL_LOGOUT_EVENT, createMemoryRevocationStore, type RevocationStore } from '@tokengate/core';
import { createTestIssuer } from '@tokengate/core/testing';
import { backchannelLogout, jwtAuth } from '@tokengate/express';
import { backchannelLogout as honoLogout } from '@tokengate/hono';
import express from 'express';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FRAMEWORKS, logoutApp, Servers } from './backchannel-logout-apps.js';

const ISSUER = 'https://op.example.test';
const CLIENT = 'rp-client';
const API = 'api://orders';
const EVENTS = { [BACKCHANNEL_LOGOUT_EVENT]: {} };
const FORM = 'application/x-www-form-urlencoded';

const op = await createTestIssuer({ alg: 'ES256', issuer: ISSUER, audience: CLIENT });
const servers = new Servers();
afterAll(() => servers.close());

const logoutToken = (sid: string, options: Parameters<typeof op.sign>[1] = {}) =>
  op.sign({ sid, sub: 'alice', events: EVENTS }, { typ: 'logout+jwt', expiresIn: '2m', ...options });

/** A raw POST: exact body bytes, chunked when `chunked`. */
function post(url: string, body: string, contentType: string | null = FORM, chunked = false) {
  return new Promise<{ status: number; headers: Record<string, unknown>; text: string }>(
    (resolve, reject) => {
      const target = new URL(url);
      const headers: Record<string, string> = {};
      if (contentType) headers['content-type'] = contentType;
      if (!chunked) headers['content-length'] = String(Buffer.byteLength(body));
      const req = request(
        {
          host: target.hostname,
          port: target.port,
          path: target.pathname,
          method: 'POST',
          headers,
          agent: false,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({
              status: res.statusCode!,
              headers: res.headers,
              text: Buffer.concat(chunks).toString(),
            }),
          );
          res.on('error', reject);
        },
      );
      req.on('error', (error) => (/EPIPE|ECONNRESET/.test(String(error)) ? undefined : reject(error)));
      if (chunked) for (let i = 0; i < body.length; i += 4096) req.write(body.slice(i, i + 4096));
      else req.write(body);
      req.end();
    },
  );
}

describe.each(FRAMEWORKS)('%s backchannelLogout', (framework) => {
  let url: string;
  let revocation: RevocationStore;
  beforeAll(async () => {
    const server = await servers.listen();
    url = server.url;
    revocation = createMemoryRevocationStore();
    server.handle(
      logoutApp(
        framework,
        { issuer: ISSUER, audience: CLIENT, jwks: op.jwks, revocation },
        { issuer: ISSUER, audience: API, jwks: op.jwks, revocation },
      ),
    );
  });

  const invalid = async (
    answer: Promise<{ status: number; headers: Record<string, unknown>; text: string }>,
  ) => {
    const response = await answer;
    expect(response.status).toBe(400);
    expect(response.headers['cache-control']).toBe('no-store');
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    expect(JSON.parse(response.text)).toEqual({
      error: 'invalid_request',
      error_description: expect.any(String),
    });
  };

  it('a valid logout token: 200, no-store, and the session is refused 401 revoked', async () => {
    const access = await op.sign({ sub: 'alice', sid: `s-${framework}` }, { audience: API });
    const orders = () => fetch(`${url}/orders`, { headers: { authorization: `Bearer ${access}` } });
    expect((await orders()).status).toBe(200);
    const token = await logoutToken(`s-${framework}`);
    const response = await post(`${url}/backchannel-logout`, `logout_token=${token}`);
    expect(response.status).toBe(200);
    expect(response.headers['cache-control']).toBe('no-store');
    expect(response.text).toBe('');
    const refused = await orders();
    expect(refused.status).toBe(401);
    expect(await refused.json()).toMatchObject({ code: 'invalid_token', reason: 'revoked' });
    // delivered again: a replay
    await invalid(post(`${url}/backchannel-logout`, `logout_token=${token}`));
  });

  it('request defects are 400 invalid_request', async () => {
    const token = await logoutToken('s-defects');
    await invalid(
      post(`${url}/backchannel-logout`, JSON.stringify({ logout_token: token }), 'application/json'),
    );
    await invalid(post(`${url}/backchannel-logout`, `logout_token=${token}`, null));
    await invalid(post(`${url}/backchannel-logout`, 'token=abc'));
    await invalid(post(`${url}/backchannel-logout`, ''));
    await invalid(post(`${url}/backchannel-logout`, `logout_token=${token}&logout_token=${token}`));
    await invalid(
      post(`${url}/backchannel-logout`, `logout_token=${await logoutToken('s', { defect: 'tampered' })}`),
    );
    await invalid(
      post(`${url}/backchannel-logout`, `logout_token=${await logoutToken('s', { alg: 'none' })}`),
    );
  });

  it('a body over 16 KiB is 400, declared or chunked', async () => {
    const big = `logout_token=${'a'.repeat(17 * 1024)}`;
    await invalid(post(`${url}/backchannel-logout`, big));
    await invalid(post(`${url}/backchannel-logout`, big, FORM, true));
  });
});

describe('express: after express.urlencoded()', () => {
  it('reads the form the body parser left', async () => {
    const server = await servers.listen();
    const revocation = createMemoryRevocationStore();
    const app = express();
    app.use(express.urlencoded({ extended: false }));
    app.post(
      '/backchannel-logout',
      backchannelLogout({ issuer: ISSUER, audience: CLIENT, jwks: op.jwks, revocation }),
    );
    app.use(jwtAuth({ issuer: ISSUER, audience: API, jwks: op.jwks, revocation }));
    server.handle(app);
    expect(
      (await post(`${server.url}/backchannel-logout`, `logout_token=${await logoutToken('parsed')}`)).status,
    ).toBe(200);
    expect(revocation.isRevoked({ payload: { sid: 'parsed', iat: 1 } } as never)).toBe(true);
    const response = await post(`${server.url}/backchannel-logout`, 'other=1');
    expect(response.status).toBe(400);
  });
});

describe('a body another middleware already read', () => {
  it('express.text() (the body as a string), bounded as ever', async () => {
    const server = await servers.listen();
    const revocation = createMemoryRevocationStore();
    const app = express();
    app.use(express.text({ type: '*/*', limit: '1mb' }));
    app.post(
      '/backchannel-logout',
      backchannelLogout({ issuer: ISSUER, audience: CLIENT, jwks: op.jwks, revocation }),
    );
    server.handle(app);
    expect(
      (await post(`${server.url}/backchannel-logout`, `logout_token=${await logoutToken('text')}`)).status,
    ).toBe(200);
    expect(
      (await post(`${server.url}/backchannel-logout`, `logout_token=${'a'.repeat(17 * 1024)}`)).status,
    ).toBe(400);
  });

  it('hono: a middleware that ran c.req.parseBody() first', async () => {
    const server = await servers.listen();
    const revocation = createMemoryRevocationStore();
    const app = new Hono();
    app.use('*', async (c, next) => {
      await c.req.parseBody();
      await next();
    });
    app.post(
      '/backchannel-logout',
      honoLogout({ issuer: ISSUER, audience: CLIENT, jwks: op.jwks, revocation }),
    );
    server.handle(getRequestListener(app.fetch));
    expect(
      (await post(`${server.url}/backchannel-logout`, `logout_token=${await logoutToken('hono')}`)).status,
    ).toBe(200);
    expect(revocation.isRevoked({ payload: { sid: 'hono', iat: 1 } } as never)).toBe(true);
  });
});
