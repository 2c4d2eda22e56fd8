/**
 * docs/connections.md, proven with real servers, real clients and a real Redis: a WebSocket (or
 * an SSE stream) authenticated at connect ends at `exp` (close code 4401), when the token is
 * revoked on another instance, and when its key is withdrawn from the JWKS; refusals at connect
 * are the framework's ordinary 401; the token offered as a subprotocol is never echoed or logged.
 */

import type { TokengateOptions } from '@tokengate/core';
import { createTestIssuer, type TestIssuer, type TestIssuerServer } from '@tokengate/core/testing';
import { createRedisRevocationStore, type RedisRevocationStore } from '@tokengate/redis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { RedisServer, uniquePrefix } from '../../../packages/redis/test/helpers.js';
import { startExpress } from '../src/connections-express.js';
import { startFastify } from '../src/connections-fastify.js';
import { startHono } from '../src/connections-hono.js';
import { startKoa } from '../src/connections-koa.js';
import { connect, nowSeconds, sse } from './helpers.js';

type Started = { url: string; close(): Promise<void> };
const FRAMEWORKS: Record<string, (options: TokengateOptions) => Promise<Started>> = {
  express: startExpress,
  koa: startKoa,
  hono: startHono,
  fastify: startFastify,
};
const SSE = { express: startExpress, hono: startHono } as const;

let redis: RedisServer;
const stores: RedisRevocationStore[] = [];
const issued: string[] = [];
const logged: string[] = [];

beforeAll(async () => {
  redis = await RedisServer.start();
  for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) {
    const original = console[method];
    vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
      logged.push(args.map(String).join(' '));
      original(...args);
    });
  }
});

afterAll(async () => {
  await Promise.all(stores.map((s) => s.close()));
  await redis?.kill();
  // The tokens offered in Sec-WebSocket-Protocol (and every other) never reached a log.
  for (const token of issued) for (const line of logged) expect(line).not.toContain(token);
  vi.restoreAllMocks();
});

/** One app instance (store A) and "another instance" (store B) sharing the Redis. */
async function setUp(start: (options: TokengateOptions) => Promise<Started>) {
  const idp: TestIssuer = await createTestIssuer({ alg: 'ES256', audience: 'api://chat' });
  const jwks: TestIssuerServer = await idp.listen();
  const prefix = uniquePrefix();
  const here = createRedisRevocationStore({ url: redis.url, prefix });
  const there = createRedisRevocationStore({ url: redis.url, prefix });
  stores.push(here, there);
  await Promise.all([here.ready(), there.ready()]);
  const app = await start({
    issuer: idp.issuer,
    audience: 'api://chat',
    jwksUri: jwks.jwksUri,
    cacheMaxAge: '1s',
    cooldownDuration: '1s',
    onKeySourceEvent: false,
    revocation: here,
  });
  const sign = async (claims: Record<string, unknown> = {}) => {
    const token = await idp.sign({ sub: 'alice', ...claims });
    issued.push(token);
    return token;
  };
  return {
    idp,
    app,
    there,
    sign,
    async close() {
      await app.close();
      await jwks.close();
    },
  };
}

describe.each(Object.entries(FRAMEWORKS))('%s: WebSocket', (_name, start) => {
  let env: Awaited<ReturnType<typeof setUp>>;
  beforeAll(async () => {
    env = await setUp(start);
  });
  afterAll(() => env?.close());

  it('refuses an upgrade without a token, or with a bad one, with the ordinary 401', async () => {
    for (const protocols of [['chat'], ['chat', 'bearer.not-a-token']]) {
      const refused = await connect(env.app.url, protocols).opened.catch((e) => e);
      expect(refused.status).toBe(401);
    }
    const expired = await env.idp.sign({ sub: 'alice' }, { defect: 'expired' });
    const refused = await connect(env.app.url, ['chat', `bearer.${expired}`]).opened.catch((e) => e);
    expect(refused.status).toBe(401);
  });

  it('reads the token from Sec-WebSocket-Protocol and never answers with that entry', async () => {
    const token = await env.sign();
    const offered = connect(env.app.url, [`bearer.${token}`, 'chat']);
    const { protocol, responseHeaders } = await offered.opened;
    expect(protocol).toBe('chat');
    expect(JSON.stringify(responseHeaders)).not.toContain(token);
    expect(await offered.greeting).toBe('hello alice');
    offered.socket.close();
    // Offered alone, the token entry is still never chosen: the handshake carries no subprotocol,
    // which clients that offered some refuse (ws here; browsers too): offer a real one beside it.
    const alone = connect(env.app.url, [`bearer.${token}`]);
    const failed = await alone.opened.catch((error: Error) => error);
    expect(String(failed)).toContain('no subprotocol');
  });

  it('closes a connection open at exp with 4401, within a second after it', async () => {
    const exp = nowSeconds() + 2;
    const connection = connect(env.app.url, ['chat', `bearer.${await env.sign({ exp })}`]);
    await connection.opened;
    const { code, reason, at } = await connection.closed;
    expect({ code, reason }).toEqual({ code: 4401, reason: 'expired' });
    expect(at).toBeGreaterThanOrEqual(exp * 1000);
    expect(at - exp * 1000).toBeLessThan(1000);
  });

  it('closes a connection revoked on another instance (Redis pub/sub) within a second', async () => {
    const token = await env.sign({ jti: `ws-${Math.random()}` });
    const connection = connect(env.app.url, ['chat', `bearer.${token}`]);
    await connection.opened;
    const bystander = connect(env.app.url, ['chat', `bearer.${await env.sign()}`]);
    await bystander.opened;
    const payload = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString());
    const revokedAt = Date.now();
    await env.there.revoke(payload.jti, payload.exp);
    const { code, reason, at } = await connection.closed;
    expect({ code, reason }).toEqual({ code: 4401, reason: 'revoked' });
    expect(at - revokedAt).toBeLessThan(1000);
    expect(bystander.socket.readyState).toBe(bystander.socket.OPEN);
    bystander.socket.close();
  });

  it('closes a connection whose subject is revoked on another instance', async () => {
    const connection = connect(env.app.url, ['chat', `bearer.${await env.sign({ sub: 'mallory' })}`]);
    await connection.opened;
    const revokedAt = Date.now();
    await env.there.revokeSubject('mallory', new Date(Date.now() + 1000));
    const { code, reason, at } = await connection.closed;
    expect({ code, reason }).toEqual({ code: 4401, reason: 'revoked' });
    expect(at - revokedAt).toBeLessThan(1000);
  });

  it('closes a connection whose key is withdrawn from the JWKS (and keeps it through a rotation)', async () => {
    const connection = connect(env.app.url, ['chat', `bearer.${await env.sign()}`]);
    await connection.opened;
    await env.idp.rotate({ keep: true });
    await new Promise((resolve) => setTimeout(resolve, 2200));
    expect(connection.socket.readyState).toBe(connection.socket.OPEN);
    await env.idp.rotate({ keep: false });
    const { code, reason } = await connection.closed;
    expect({ code, reason }).toEqual({ code: 4401, reason: 'key_withdrawn' });
  });
});

describe.each(Object.entries(SSE))('%s: server-sent events', (_name, start) => {
  let env: Awaited<ReturnType<typeof setUp>>;
  beforeAll(async () => {
    env = await setUp(start);
  });
  afterAll(() => env?.close());

  it('refuses a stream without a valid token with the ordinary 401', async () => {
    const response = await fetch(`${env.app.url}/events`);
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/);
  });

  it('ends a stream open at exp within a second after it, with an end event', async () => {
    const exp = nowSeconds() + 2;
    const stream = await sse(env.app.url, await env.sign({ exp }));
    expect(stream.response.status).toBe(200);
    const ended = await stream.done;
    expect(stream.events.map((e) => [e.event, e.data])).toEqual([
      ['message', 'hello alice'],
      ['end', 'expired'],
    ]);
    expect(ended - exp * 1000).toBeLessThan(1000);
    expect(ended).toBeGreaterThanOrEqual(exp * 1000);
  });

  it('ends a stream revoked on another instance within a second', async () => {
    const token = await env.sign({ jti: `sse-${Math.random()}` });
    const stream = await sse(env.app.url, token);
    await vi.waitFor(() => expect(stream.events.length).toBe(1));
    const payload = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString());
    const revokedAt = Date.now();
    await env.there.revoke(payload.jti, payload.exp);
    const ended = await stream.done;
    expect(stream.events.at(-1)).toMatchObject({ event: 'end', data: 'revoked' });
    expect(ended - revokedAt).toBeLessThan(1000);
  });
});
