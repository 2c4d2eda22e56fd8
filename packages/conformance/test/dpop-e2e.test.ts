/**
 * DPoP end to end, with software nobody here wrote on the other side: oidc-provider (OpenID
 * Certified) on 127.0.0.1 issues DPoP-bound JWT access tokens to a client using oauth4webapi
 * (token request with a DPoP proof); the client then calls Express, Koa, Hono and Fastify apps with
 * proofs made by oauth4webapi and by panva's `dpop`. Replays are refused on the same instance and
 * on a second instance sharing a real redis-server through `createRedisReplayStore`.
 */

import { generateKeyPairSync } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import type { AuthContext, TokengateOptions } from '@tokengate/core';
import { authErrorHandler, jwtAuth as expressAuth } from '@tokengate/express';
import { tokengate } from '@tokengate/fastify';
import { jwtAuth as honoAuth } from '@tokengate/hono';
import { jwtAuth as koaAuth, authErrorHandler as koaErrors } from '@tokengate/koa';
import { createRedisReplayStore, type RedisReplayStore } from '@tokengate/redis';
import * as DPoP from 'dpop';
import express from 'express';
import Fastify from 'fastify';
import { Hono } from 'hono';
import Koa from 'koa';
import * as oauth from 'oauth4webapi';
import Provider from 'oidc-provider';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { RedisServer } from '../../redis/test/helpers.js';
import { fastifyListener } from './drivers/fastify.js';

const RESOURCE = 'https://orders.api.test/';
const CLIENT: oauth.Client = { client_id: 'dpop-client' };
const CLIENT_SECRET = 'a client secret long enough for client_secret_post';
const NONCE_SECRET = 'a nonce secret shared by the instances of the api';
const insecure = { [oauth.allowInsecureRequests]: true } as const;

const closers: (() => Promise<unknown>)[] = [];
async function listen(handler: Parameters<typeof createServer>[1]): Promise<string> {
  const server: Server = createServer(handler);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  closers.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function startProvider(): Promise<string> {
  let handler: ((req: any, res: any) => void) | undefined;
  const url = await listen((req, res) => handler!(req, res));
  const key = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' });
  const provider = new Provider(url, {
    jwks: { keys: [{ ...key, alg: 'ES256', use: 'sig', kid: 'as' }] as never },
    clients: [
      {
        client_id: CLIENT.client_id,
        client_secret: CLIENT_SECRET,
        grant_types: ['client_credentials'],
        redirect_uris: [],
        response_types: [],
        token_endpoint_auth_method: 'client_secret_post',
        id_token_signed_response_alg: 'ES256',
        dpop_bound_access_tokens: true,
      } as never,
    ],
    scopes: ['orders:read'],
    clientDefaults: { id_token_signed_response_alg: 'ES256' },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      dPoP: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => RESOURCE,
        useGrantedResource: () => true,
        getResourceServerInfo: () => ({
          scope: 'orders:read',
          audience: RESOURCE,
          accessTokenTTL: 300,
          accessTokenFormat: 'jwt',
          jwt: { sign: { alg: 'ES256' } },
        }),
      },
    },
  });
  handler = provider.callback();
  return url;
}

type Framework = 'express' | 'koa' | 'hono' | 'fastify';

/**
 * One app of `framework` answering `/orders` with the context's binding. Its port is known only
 * once it listens, so the app is built then, told its own URL (`dpop.publicUrl`) unless the
 * options name one.
 */
async function startApp(framework: Framework, options: TokengateOptions<any>): Promise<string> {
  let app: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
  const url = await listen((req, res) => app!(req, res));
  const dpop = options.dpop as Exclude<TokengateOptions['dpop'], string | boolean | undefined>;
  app = buildApp(framework, { ...options, dpop: { publicUrl: url, ...dpop } });
  return url;
}

function buildApp(
  framework: Framework,
  options: TokengateOptions<any>,
): (req: IncomingMessage, res: ServerResponse) => void {
  if (framework === 'express') {
    const app = express();
    app.use(expressAuth(options));
    app.all('/orders', (req, res) =>
      res.json({ sub: req.auth?.subject, binding: req.auth?.binding, jkt: req.auth?.jkt }),
    );
    app.use(authErrorHandler());
    return app;
  }
  if (framework === 'koa') {
    const app = new Koa();
    app.use(koaErrors());
    app.use(koaAuth(options));
    app.use((ctx) => {
      ctx.body = { sub: ctx.state.auth?.subject, binding: ctx.state.auth?.binding, jkt: ctx.state.auth?.jkt };
    });
    return app.callback();
  }
  if (framework === 'fastify') {
    const app = Fastify();
    app.register(tokengate, options);
    app.all('/orders', async (request) => ({
      sub: request.auth?.subject,
      binding: request.auth?.binding,
      jkt: request.auth?.jkt,
    }));
    return fastifyListener(app);
  }
  const app = new Hono<{ Variables: { auth: AuthContext } }>();
  app.use('*', honoAuth(options));
  app.all('/orders', (c) =>
    c.json({ sub: c.var.auth.subject, binding: c.var.auth.binding, jkt: c.var.auth.jkt }),
  );
  return getRequestListener(app.fetch);
}

let issuer: string;
let redis: RedisServer;
let as: oauth.AuthorizationServer;
let clientKeys: CryptoKeyPair;
let dpopHandle: oauth.DPoPHandle;
let token: string;
const stores: RedisReplayStore[] = [];

const replayStore = () => {
  const store = createRedisReplayStore({ url: redis.url, prefix: 'e2e:' });
  stores.push(store);
  return store;
};
const options = (extra: Partial<NonNullable<Exclude<TokengateOptions['dpop'], string | false>>> = {}) => ({
  issuer,
  audience: RESOURCE,
  dpop: { required: true, replay: replayStore(), ...extra },
});

async function call(url: string, headers: Record<string, string>, method = 'GET') {
  const response = await fetch(url, { method, headers, signal: AbortSignal.timeout(5000) });
  return { status: response.status, headers: response.headers, body: (await response.json()) as any };
}
const proof = (url: string, method = 'GET', keys: CryptoKeyPair = clientKeys, nonce?: string) =>
  DPoP.generateProof(keys as DPoP.KeyPair, url, method, nonce, token);

beforeAll(async () => {
  vi.spyOn(console, 'warn').mockImplementation(() => {}); // oidc-provider's development warnings
  redis = await RedisServer.start();
  issuer = await startProvider();
  as = await oauth.processDiscoveryResponse(
    new URL(issuer),
    await oauth.discoveryRequest(new URL(issuer), { algorithm: 'oidc', ...insecure }),
  );
  clientKeys = await oauth.generateKeyPair('ES256');
  dpopHandle = oauth.DPoP(CLIENT, clientKeys);
  const request = () =>
    oauth.clientCredentialsGrantRequest(
      as,
      CLIENT,
      oauth.ClientSecretPost(CLIENT_SECRET),
      { scope: 'orders:read', resource: RESOURCE },
      { DPoP: dpopHandle, ...insecure },
    );
  let response = await request();
  let tokens: oauth.TokenEndpointResponse;
  try {
    tokens = await oauth.processClientCredentialsResponse(as, CLIENT, response);
  } catch (error) {
    if (!oauth.isDPoPNonceError(error)) {
      console.error((error as { cause?: unknown }).cause);
      throw error;
    }
    response = await request();
    tokens = await oauth.processClientCredentialsResponse(as, CLIENT, response);
  }
  expect(tokens.token_type.toLowerCase()).toBe('dpop');
  token = tokens.access_token;
}, 30_000);

afterAll(async () => {
  await Promise.all(stores.map((store) => store.close()));
  await Promise.all(closers.map((close) => close()));
  await redis?.kill();
  vi.restoreAllMocks();
});

describe.each(['express', 'koa', 'hono', 'fastify'] as const)('DPoP end to end: %s', (framework) => {
  let base: string;
  let second: string;
  beforeAll(async () => {
    base = await startApp(framework, options());
    // A second instance (of another framework) sharing the Redis replay store.
    second = await startApp(framework === 'express' ? 'koa' : 'express', options());
  });

  it('accepts the DPoP-bound token with a proof made by oauth4webapi', async () => {
    const response = await oauth.protectedResourceRequest(
      token,
      'GET',
      new URL(`${base}/orders`),
      undefined,
      undefined,
      {
        DPoP: dpopHandle,
        ...insecure,
      },
    );
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body).toEqual({
      sub: CLIENT.client_id,
      binding: 'dpop',
      jkt: await DPoP.calculateThumbprint(clientKeys.publicKey),
    });
  });

  it('accepts a proof made by panva/dpop, with a query string on the URL', async () => {
    const response = await call(`${base}/orders?page=2`, {
      authorization: `DPoP ${token}`,
      dpop: await proof(`${base}/orders`),
    });
    expect(response.status).toBe(200);
  });

  it('refuses the same token as Bearer (RFC 9449 §7.2)', async () => {
    const response = await call(`${base}/orders`, { authorization: `Bearer ${token}` });
    expect(response.status).toBe(401);
    expect(response.body).toMatchObject({ code: 'invalid_token', reason: 'dpop_required' });
    expect(response.headers.get('www-authenticate')).toMatch(/^DPoP error="invalid_token"/);
  });

  it('refuses a proof for another method or another URL', async () => {
    const method = await call(`${base}/orders`, {
      authorization: `DPoP ${token}`,
      dpop: await proof(`${base}/orders`, 'POST'),
    });
    expect(method.body).toMatchObject({ code: 'invalid_dpop_proof', reason: 'method' });
    const url = await call(`${base}/orders`, {
      authorization: `DPoP ${token}`,
      dpop: await proof(`${base}/other`),
    });
    expect(url.body).toMatchObject({ code: 'invalid_dpop_proof', reason: 'url' });
    expect(url.status).toBe(401);
    expect(url.headers.get('www-authenticate')).toMatch(
      /^DPoP error="invalid_dpop_proof", error_description="[^"]+", algs="ES256 /,
    );
  });

  it('refuses a replayed proof on the same instance and on a second instance sharing Redis', async () => {
    const headers = { authorization: `DPoP ${token}`, dpop: await proof(`${base}/orders`) };
    expect((await call(`${base}/orders`, headers)).status).toBe(200);
    expect((await call(`${base}/orders`, headers)).body).toMatchObject({
      code: 'invalid_dpop_proof',
      reason: 'replayed',
    });
    // The second instance listens on another port: the proof names the first one's URL, so
    // build one for the second and replay it there after it was used on a third request path.
    const shared = { authorization: `DPoP ${token}`, dpop: await proof(`${second}/orders`) };
    expect((await call(`${second}/orders`, shared)).status).toBe(200);
    const other = await startApp(framework, { ...options(), dpop: { ...options().dpop, publicUrl: second } });
    const replayed = await call(`${other}/orders`, shared);
    expect(replayed.status).toBe(401);
    expect(replayed.body).toMatchObject({ code: 'invalid_dpop_proof', reason: 'replayed' });
  });

  it('refuses a proof signed by a key the token is not bound to', async () => {
    const otherKeys = await DPoP.generateKeyPair('ES256');
    const response = await call(`${base}/orders`, {
      authorization: `DPoP ${token}`,
      dpop: await proof(`${base}/orders`, 'GET', otherKeys as CryptoKeyPair),
    });
    expect(response.status).toBe(401);
    expect(response.body).toMatchObject({ code: 'invalid_token', reason: 'dpop_binding' });
  });

  it('refuses a stale proof (iat 10 minutes ago)', async () => {
    const now = Date.now();
    const spy = vi.spyOn(Date, 'now').mockReturnValue(now - 600_000);
    let stale: string;
    try {
      stale = await proof(`${base}/orders`);
    } finally {
      spy.mockRestore();
    }
    const response = await call(`${base}/orders`, { authorization: `DPoP ${token}`, dpop: stale });
    expect(response.body).toMatchObject({ code: 'invalid_dpop_proof', reason: 'expired' });
  });

  it('runs the nonce flow (RFC 9449 §8) with oauth4webapi retrying on use_dpop_nonce', async () => {
    const url = await startApp(framework, options({ nonce: { secret: NONCE_SECRET } }));
    const first = await call(`${url}/orders`, {
      authorization: `DPoP ${token}`,
      dpop: await proof(`${url}/orders`),
    });
    expect(first.status).toBe(401);
    expect(first.body).toMatchObject({ code: 'use_dpop_nonce' });
    const nonce = first.headers.get('dpop-nonce');
    expect(nonce).toBeTruthy();
    expect(first.headers.get('www-authenticate')).toMatch(/^DPoP error="use_dpop_nonce"/);
    const retried = await call(`${url}/orders`, {
      authorization: `DPoP ${token}`,
      dpop: await proof(`${url}/orders`, 'GET', clientKeys, nonce!),
    });
    expect(retried.status).toBe(200);
    // An independent client's retry logic: oauth4webapi learns the nonce from DPoP-Nonce.
    const handle = oauth.DPoP(CLIENT, clientKeys);
    const request = () =>
      oauth.protectedResourceRequest(token, 'GET', new URL(`${url}/orders`), undefined, undefined, {
        DPoP: handle,
        ...insecure,
      });
    let response: Response;
    try {
      response = await request();
      if (response.status === 401) throw new Error(`401 without a nonce challenge: ${await response.text()}`);
    } catch (error) {
      if (!oauth.isDPoPNonceError(error)) throw error;
      response = await request();
    }
    expect(response.status).toBe(200);
  });
});
