/**
 * Opaque tokens end to end, with software nobody here wrote on the other side: oidc-provider
 * (OpenID Certified) on 127.0.0.1 issues opaque access tokens (client credentials, RFC 8707
 * resource indicators) to a client using oauth4webapi, and answers tokengate's introspection
 * requests (RFC 7662; RFC 9701 JWT answers; client_secret_basic and private_key_jwt). Express,
 * Koa, Hono and Fastify apps are protected by them: scopes, audience = resource, revocation at the
 * provider (refused here once `cacheMaxAge` has passed), DPoP-bound opaque tokens. Then the
 * faults, with a local endpoint: slow, down, 500, not JSON, `active: "true"` — 503s, never a 500.
 */

import { generateKeyPairSync } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TokengateOptions } from '@tokengate/core';
import * as DPoP from 'dpop';
import * as oauth from 'oauth4webapi';
import Provider from 'oidc-provider';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  type FakeIntrospection,
  startFakeIntrospection,
} from '../../core/test/oauth/introspection/fake-server.js';
import { call, closeAll, FRAMEWORKS, startApp } from './introspection-apps.js';

const RESOURCE = 'https://orders.api.test/';
const OTHER = 'https://other.api.test/';
const APP: oauth.Client = { client_id: 'app' };
const DPOP_APP: oauth.Client = { client_id: 'dpop-app' };
const APP_SECRET = 'the secret of the app calling the api, long enough';
const API_SECRET = 'the secret of the orders api at the provider';
const insecure = { [oauth.allowInsecureRequests]: true } as const;

let issuer: string;
let providerServer: Server;
let as: oauth.AuthorizationServer;
let apiKey: JsonWebKey;
let dpopKeys: CryptoKeyPair;

async function startProvider(): Promise<string> {
  let handler: ((req: any, res: any) => void) | undefined;
  providerServer = createServer((req, res) => handler!(req, res));
  await new Promise<void>((resolve) => providerServer.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(providerServer.address() as AddressInfo).port}`;
  const key = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' });
  const api = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  apiKey = { ...(api.privateKey.export({ format: 'jwk' }) as JsonWebKey), kid: 'api-1' } as JsonWebKey;
  const caller = (client_id: string, extra: Record<string, unknown> = {}) => ({
    client_id,
    client_secret: APP_SECRET,
    grant_types: ['client_credentials'],
    redirect_uris: [],
    response_types: [],
    token_endpoint_auth_method: 'client_secret_post',
    ...extra,
  });
  const resourceServer = (client_id: string, extra: Record<string, unknown>) => ({
    client_id,
    grant_types: [],
    redirect_uris: [],
    response_types: [],
    introspection_signed_response_alg: 'ES256',
    ...extra,
  });
  const provider = new Provider(url, {
    jwks: { keys: [{ ...key, alg: 'ES256', use: 'sig', kid: 'as' }] as never },
    clients: [
      caller('app'),
      caller('dpop-app', { dpop_bound_access_tokens: true }),
      resourceServer('orders-api', {
        client_secret: API_SECRET,
        token_endpoint_auth_method: 'client_secret_basic',
      }),
      resourceServer('orders-api-key', {
        token_endpoint_auth_method: 'private_key_jwt',
        jwks: {
          keys: [{ ...(api.publicKey.export({ format: 'jwk' }) as object), kid: 'api-1', alg: 'ES256' }],
        },
      }),
    ] as never,
    scopes: ['orders:read', 'orders:write'],
    clientDefaults: {
      id_token_signed_response_alg: 'ES256',
      introspection_signed_response_alg: 'ES256',
    } as never,
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      introspection: { enabled: true },
      jwtIntrospection: { enabled: true },
      revocation: { enabled: true },
      dPoP: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => RESOURCE,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx: unknown, resource: string) => ({
          scope: 'orders:read orders:write',
          audience: resource,
          accessTokenTTL: 300,
          accessTokenFormat: 'opaque',
        }),
      },
    } as never,
  });
  handler = provider.callback();
  return url;
}

/** An opaque access token from the provider for `scope` and `resource` (DPoP-bound for dpop-app). */
async function getToken(scope: string, resource = RESOURCE, client = APP): Promise<string> {
  const handle = client === DPOP_APP ? oauth.DPoP(client, dpopKeys) : undefined;
  const request = () =>
    oauth.clientCredentialsGrantRequest(
      as,
      client,
      oauth.ClientSecretPost(APP_SECRET),
      { scope, resource },
      {
        ...(handle ? { DPoP: handle } : {}),
        ...insecure,
      },
    );
  try {
    return (await oauth.processClientCredentialsResponse(as, client, await request())).access_token;
  } catch (error) {
    if (!oauth.isDPoPNonceError(error)) {
      console.error(error, (error as { cause?: unknown }).cause);
      throw error;
    }
    return (await oauth.processClientCredentialsResponse(as, client, await request())).access_token;
  }
}

const options = (extra: Partial<TokengateOptions> = {}, introspection: Record<string, unknown> = {}) =>
  ({
    issuer,
    resource: RESOURCE,
    introspection: { clientId: 'orders-api', clientSecret: API_SECRET, cacheMaxAge: '1s', ...introspection },
    ...extra,
  }) as TokengateOptions;

beforeAll(async () => {
  vi.spyOn(console, 'warn').mockImplementation(() => {}); // oidc-provider's development warnings
  issuer = await startProvider();
  as = await oauth.processDiscoveryResponse(
    new URL(issuer),
    await oauth.discoveryRequest(new URL(issuer), { algorithm: 'oidc', ...insecure }),
  );
  dpopKeys = await oauth.generateKeyPair('ES256');
}, 30_000);

afterAll(async () => {
  await closeAll();
  providerServer.closeAllConnections();
  await new Promise((resolve) => providerServer.close(resolve));
  vi.restoreAllMocks();
});

describe.each(FRAMEWORKS)('opaque tokens from oidc-provider: %s', (framework) => {
  let base: string;
  beforeAll(async () => {
    base = await startApp(framework, options());
  });

  it('accepts an opaque token for this resource, with its scopes, as an opaque context', async () => {
    const token = await getToken('orders:read orders:write');
    expect(token.split('.')).toHaveLength(1);
    const response = await call(`${base}/orders`, { authorization: `Bearer ${token}` });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      authenticated: true,
      tokenType: 'opaque',
      clientId: 'app',
      scopes: ['orders:read', 'orders:write'],
      binding: 'bearer',
    });
    expect((await call(`${base}/orders`, { authorization: `Bearer ${token}` }, 'POST')).status).toBe(200);
  });

  it('refuses a missing scope with 403 insufficient_scope', async () => {
    const token = await getToken('orders:read');
    const response = await call(`${base}/orders`, { authorization: `Bearer ${token}` }, 'POST');
    expect(response.status).toBe(403);
    expect(response.body).toMatchObject({ code: 'insufficient_scope' });
    expect(response.headers.get('www-authenticate')).toContain('scope="orders:write"');
  });

  it('refuses a token issued for another resource (audience = resource)', async () => {
    const token = await getToken('orders:read', OTHER);
    const response = await call(`${base}/orders`, { authorization: `Bearer ${token}` });
    expect(response.status).toBe(401);
    expect(response.body).toMatchObject({ code: 'invalid_token', reason: 'audience' });
    expect(response.headers.get('www-authenticate')).toContain('resource_metadata=');
  });

  it('refuses an unknown token: 401 inactive', async () => {
    const response = await call(`${base}/orders`, {
      authorization: 'Bearer not-a-token-the-provider-issued',
    });
    expect(response.status).toBe(401);
    expect(response.body).toMatchObject({ code: 'invalid_token', reason: 'inactive' });
  });

  it('refuses a token revoked at the provider once cacheMaxAge (1 s) has passed', async () => {
    const token = await getToken('orders:read');
    expect((await call(`${base}/orders`, { authorization: `Bearer ${token}` })).status).toBe(200);
    const revoked = await oauth.revocationRequest(
      as,
      APP,
      oauth.ClientSecretPost(APP_SECRET),
      token,
      insecure,
    );
    await oauth.processRevocationResponse(revoked);
    // The cached answer stands until cacheMaxAge: the documented bound.
    expect((await call(`${base}/orders`, { authorization: `Bearer ${token}` })).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const response = await call(`${base}/orders`, { authorization: `Bearer ${token}` });
    expect(response.status).toBe(401);
    expect(response.body).toMatchObject({ code: 'invalid_token', reason: 'inactive' });
  });

  it('checks DPoP-bound opaque tokens against cnf.jkt from the answer', async () => {
    const url = await startApp(framework, (self) => options({ dpop: { publicUrl: self } }));
    const token = await getToken('orders:read', RESOURCE, DPOP_APP);
    const proof = (keys: CryptoKeyPair = dpopKeys) =>
      DPoP.generateProof(keys as DPoP.KeyPair, `${url}/orders`, 'GET', undefined, token);
    const ok = await call(`${url}/orders`, { authorization: `DPoP ${token}`, dpop: await proof() });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({
      tokenType: 'opaque',
      binding: 'dpop',
      jkt: await DPoP.calculateThumbprint(dpopKeys.publicKey),
    });
    const bearer = await call(`${url}/orders`, { authorization: `Bearer ${token}` });
    expect(bearer.status).toBe(401);
    expect(bearer.body).toMatchObject({ code: 'invalid_token', reason: 'dpop_bound' });
    const other = await call(`${url}/orders`, {
      authorization: `DPoP ${token}`,
      dpop: await proof((await DPoP.generateKeyPair('ES256')) as CryptoKeyPair),
    });
    expect(other.status).toBe(401);
    expect(other.body).toMatchObject({ code: 'invalid_token', reason: 'dpop_binding' });
  });
});

describe('oidc-provider: RFC 9701 JWT answers and private_key_jwt', () => {
  it.each([
    ['a JWT answer, client_secret_basic', { jwtResponse: true }],
    ['private_key_jwt', { clientId: 'orders-api-key', clientSecret: undefined, privateKey: () => apiKey }],
    [
      'a JWT answer, private_key_jwt',
      { clientId: 'orders-api-key', clientSecret: undefined, privateKey: () => apiKey, jwtResponse: true },
    ],
  ])('accepts and refuses as with plain JSON: %s', async (_, given) => {
    const introspection: Record<string, unknown> = { ...given };
    if (typeof introspection.privateKey === 'function')
      introspection.privateKey = (introspection.privateKey as () => JsonWebKey)();
    const base = await startApp('express', options({}, introspection));
    const token = await getToken('orders:read');
    const response = await call(`${base}/orders`, { authorization: `Bearer ${token}` });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ tokenType: 'opaque', clientId: 'app' });
    const unknown = await call(`${base}/orders`, { authorization: 'Bearer unknown-opaque-token' });
    expect(unknown.body).toMatchObject({ code: 'invalid_token', reason: 'inactive' });
  });

  it('answers 503 (not a pass) when the provider refuses our client authentication', async () => {
    const base = await startApp('express', options({}, { clientSecret: 'a wrong secret' }));
    const response = await call(`${base}/orders`, {
      authorization: `Bearer ${await getToken('orders:read')}`,
    });
    expect(response.status).toBe(503);
    expect(response.body).toMatchObject({ code: 'introspection_unavailable' });
  });
});

describe.each(FRAMEWORKS)('a failing introspection endpoint: %s', (framework) => {
  let fake: FakeIntrospection;
  let closed: string;
  beforeAll(async () => {
    fake = await startFakeIntrospection();
    fake.delay = 3_000;
    fake.answers.set('opaque-token-1', {
      active: true,
      aud: RESOURCE,
      scope: 'orders:read',
      exp: Math.floor(Date.now() / 1000) + 600,
    });
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    closed = `http://127.0.0.1:${(server.address() as AddressInfo).port}/introspect`;
    await new Promise((resolve) => server.close(resolve));
  });
  afterAll(() => fake.close());
  const fakeOptions = (extra: Record<string, unknown> = {}) =>
    ({
      resource: RESOURCE,
      timeoutDuration: '500ms',
      introspection: {
        endpoint: fake.url,
        clientId: 'orders-api',
        clientSecret: API_SECRET,
        cacheMaxAge: 0,
        ...extra,
      },
    }) as TokengateOptions;

  it.each([
    ['slow', 'slow'],
    ['500', 'error500'],
    ['not JSON', 'notJson'],
    ['active: "true"', 'activeString'],
    ['down', 'down'],
  ] as const)('%s: 503 with Retry-After within the timeout, never a 500', async (_, mode) => {
    fake.mode = mode === 'down' ? 'ok' : mode;
    const base = await startApp(framework, fakeOptions(mode === 'down' ? { endpoint: closed } : {}));
    const started = Date.now();
    const response = await call(`${base}/orders`, { authorization: 'Bearer opaque-token-1' });
    expect(Date.now() - started).toBeLessThan(2_500);
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('5');
    expect(response.body).toMatchObject({ code: 'introspection_unavailable' });
    expect(JSON.stringify(response.body)).not.toContain('opaque-token-1');
    expect(JSON.stringify(response.body)).not.toContain('127.0.0.1');
  });

  it('failOpen: an unguarded route runs unauthenticated, a guarded one refuses, active:false is still 401', async () => {
    fake.mode = 'error500';
    const base = await startApp(framework, fakeOptions({ failOpen: true }));
    const open = await call(`${base}/open`, { authorization: 'Bearer opaque-token-1' });
    expect(open.status).toBe(200);
    expect(open.body).toMatchObject({ authenticated: false, scopes: [] });
    const guarded = await call(`${base}/orders`, { authorization: 'Bearer opaque-token-1' });
    expect(guarded.status).toBe(401);
    fake.mode = 'ok';
    const inactive = await call(`${base}/open`, { authorization: 'Bearer unknown-token' });
    expect(inactive.status).toBe(401);
    expect(inactive.body).toMatchObject({ reason: 'inactive' });
  });
});
