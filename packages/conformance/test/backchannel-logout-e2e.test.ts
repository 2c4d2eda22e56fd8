/**
 * OpenID Connect Back-Channel Logout end to end, with the real oidc-provider (OpenID Certified) on
 * 127.0.0.1: a user logs in (authorization code flow through oidc-provider's own dev interactions,
 * driven by a cookie-carrying HTTP client), the client gets a JWT access token carrying the
 * session's `sid`, and two instances of an Express, Koa, Hono and Fastify app sharing a real
 * redis-server accept it. The user then logs out at the provider (RP-initiated logout, confirmed):
 * oidc-provider POSTs its logout token to the first instance's `backchannelLogout` endpoint, and
 * both instances refuse the session's token (401 `revoked`) within a second, while another
 * session of the same user keeps working.
 */
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import type { TokengateOptions } from '@tokengate/core';
import {
  createRedisReplayStore,
  createRedisRevocationStore,
  type RedisReplayStore,
  type RedisRevocationStore,
} from '@tokengate/redis';
import Provider from 'oidc-provider';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { RedisServer } from '../../redis/test/helpers.js';
import { FRAMEWORKS, type Framework, logoutApp, Servers } from './backchannel-logout-apps.js';

const RESOURCE = 'https://orders.api.test/';
const SECRET = 'a client secret long enough for client_secret_post';
const REDIRECT = 'https://rp.example.test/callback';

const servers = new Servers();
const stores: (RedisRevocationStore | RedisReplayStore)[] = [];
let redis: RedisServer;
let issuer: string;
/** The two instances of each framework's app; the first is the client's backchannel_logout_uri. */
const instances = new Map<Framework, [string, string]>();
const deliveries: { client: string; ok: boolean; error?: string }[] = [];

/** A cookie-carrying client for the browser's part: follows nothing, keeps every cookie. */
class Browser {
  readonly #cookies = new Map<string, string>();

  async go(url: string, init: { method?: string; form?: Record<string, string> } = {}) {
    const response = await fetch(url, {
      method: init.method ?? (init.form ? 'POST' : 'GET'),
      redirect: 'manual',
      headers: {
        cookie: [...this.#cookies].map(([k, v]) => `${k}=${v}`).join('; '),
        ...(init.form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      body: init.form ? new URLSearchParams(init.form) : undefined,
      signal: AbortSignal.timeout(5000),
    });
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const at = pair!.indexOf('=');
      const name = pair!.slice(0, at);
      const value = pair!.slice(at + 1);
      if (value === '' || /expires=Thu, 01 Jan 1970/i.test(line)) this.#cookies.delete(name);
      else this.#cookies.set(name, value);
    }
    const location = response.headers.get('location');
    return {
      response,
      location: location ? new URL(location, url).href : undefined,
      text: await response.text(),
    };
  }
}

async function startProvider(): Promise<void> {
  const listener = await servers.listen();
  issuer = listener.url;
  const key = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' });
  const provider = new Provider(issuer, {
    jwks: { keys: [{ ...key, alg: 'ES256', use: 'sig', kid: 'op' }] as never },
    cookies: { keys: ['a cookie signing key for the test provider'] },
    clients: FRAMEWORKS.map((framework) => ({
      client_id: `rp-${framework}`,
      client_secret: SECRET,
      redirect_uris: [REDIRECT],
      post_logout_redirect_uris: [REDIRECT],
      token_endpoint_auth_method: 'client_secret_post',
      id_token_signed_response_alg: 'ES256',
      backchannel_logout_uri: `${instances.get(framework)![0]}/backchannel-logout`,
      backchannel_logout_session_required: true,
    })) as never,
    scopes: ['openid', 'orders:read'],
    features: {
      devInteractions: { enabled: true },
      backchannelLogout: { enabled: true },
      rpInitiatedLogout: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => RESOURCE,
        useGrantedResource: () => true,
        getResourceServerInfo: () => ({
          scope: 'orders:read',
          audience: RESOURCE,
          accessTokenTTL: 600,
          accessTokenFormat: 'jwt',
          jwt: { sign: { alg: 'ES256' } },
        }),
      },
    },
    // oidc-provider refuses to call special-use addresses (SSRF protection); this RP is on 127.0.0.1.
    fetch: (url, options) => globalThis.fetch(url, { ...options, dispatcher: undefined } as RequestInit),
    // The session id in the access token, as the relying party's APIs need it to honour a logout.
    extraTokenClaims: (_ctx, token) => ('sid' in token && token.sid ? { sid: token.sid } : undefined),
  });
  provider.on('backchannel.success', (_ctx, client) =>
    deliveries.push({ client: client.clientId, ok: true }),
  );
  provider.on('backchannel.error', (_ctx, error, client) =>
    deliveries.push({ client: client.clientId, ok: false, error: String(error) }),
  );
  listener.handle(provider.callback());
}

/** Logs a user in as `rp-<framework>` and returns the tokens, and the browser holding the session. */
async function login(framework: Framework, user: string) {
  const browser = new Browser();
  const verifier = randomBytes(32).toString('base64url');
  const authorize = new URL(`${issuer}/auth`);
  authorize.search = new URLSearchParams({
    client_id: `rp-${framework}`,
    response_type: 'code',
    redirect_uri: REDIRECT,
    scope: 'openid orders:read',
    resource: RESOURCE,
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
    nonce: randomBytes(8).toString('hex'),
  }).toString();
  let step = await browser.go(authorize.href);
  for (let i = 0; i < 10 && step.location && !step.location.startsWith(REDIRECT); i++) {
    if (/\/interaction\/[^/]+$/.test(step.location)) {
      const page = await browser.go(step.location);
      const prompt: Record<string, string> = page.text.includes('name="login"')
        ? { prompt: 'login', login: user, password: 'x' }
        : { prompt: 'consent' };
      step = await browser.go(step.location, { form: prompt });
    } else {
      step = await browser.go(step.location);
    }
  }
  const code = step.location && new URL(step.location).searchParams.get('code');
  if (!code) throw new Error(`no code: ${step.response.status} ${step.text.slice(0, 300)}`);
  const token = await fetch(`${issuer}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      redirect_uri: REDIRECT,
      code_verifier: verifier,
      client_id: `rp-${framework}`,
      client_secret: SECRET,
      resource: RESOURCE,
    }),
  });
  const tokens = (await token.json()) as { access_token: string; id_token: string };
  if (!tokens.access_token) throw new Error(`token endpoint: ${JSON.stringify(tokens)}`);
  return { browser, tokens };
}

/** RP-initiated logout at the provider, confirmed as the user would (logout=yes: every client). */
async function logout(browser: Browser, framework: Framework, idToken: string) {
  const page = await browser.go(
    `${issuer}/session/end?${new URLSearchParams({ id_token_hint: idToken, client_id: `rp-${framework}` })}`,
  );
  const xsrf = /name="xsrf" value="([^"]+)"/.exec(page.text)?.[1];
  if (!xsrf) throw new Error(`no logout form: ${page.response.status}`);
  const done = await browser.go(`${issuer}/session/end/confirm`, { form: { xsrf, logout: 'yes' } });
  expect([302, 303]).toContain(done.response.status);
}

async function orders(url: string, token: string) {
  const response = await fetch(`${url}/orders`, { headers: { authorization: `Bearer ${token}` } });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

const payloadOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString());

beforeAll(async () => {
  vi.spyOn(console, 'warn').mockImplementation(() => {}); // oidc-provider's development warnings
  vi.spyOn(console, 'info').mockImplementation(() => {});
  redis = await RedisServer.start();
  const pending: [Framework, Awaited<ReturnType<Servers['listen']>>[]][] = [];
  for (const framework of FRAMEWORKS) {
    const pair = [await servers.listen(), await servers.listen()];
    instances.set(framework, [pair[0]!.url, pair[1]!.url]);
    pending.push([framework, pair]);
  }
  await startProvider();
  for (const [framework, pair] of pending) {
    for (const instance of pair) {
      const revocation = createRedisRevocationStore({ url: redis.url, prefix: `bcl-${framework}` });
      const replay = createRedisReplayStore({ url: redis.url, prefix: `bcl-${framework}-replay` });
      stores.push(revocation, replay);
      await revocation.ready();
      const auth: TokengateOptions = { issuer, audience: RESOURCE, revocation };
      instance.handle(
        logoutApp(framework, { issuer, audience: `rp-${framework}`, revocation, replay }, auth),
      );
    }
  }
}, 30_000);

afterAll(async () => {
  await servers.close();
  await Promise.all(stores.map((s) => s.close()));
  await redis?.kill();
});

describe.each(FRAMEWORKS)('%s: a logout at the provider', (framework) => {
  it("refuses the session's access token on both instances within a second; another session is untouched", async () => {
    const [first, second] = instances.get(framework)!;
    const session = await login(framework, 'alice');
    const other = await login(framework, 'alice'); // the same user in another browser
    const claims = payloadOf(session.tokens.access_token);
    expect(claims.sid).toEqual(expect.any(String));
    expect(payloadOf(other.tokens.access_token).sid).not.toBe(claims.sid);

    // with the refresh of a cached verification: the token is used, then reused
    for (const url of [first, second]) {
      for (let i = 0; i < 2; i++) {
        expect(await orders(url, session.tokens.access_token)).toEqual({
          status: 200,
          body: { sub: 'alice', sid: claims.sid },
        });
      }
    }

    const before = deliveries.length;
    const start = performance.now();
    await logout(session.browser, framework, session.tokens.id_token);
    // oidc-provider waited for the logout token's delivery, and tokengate answered 200
    expect(deliveries.slice(before)).toEqual([{ client: `rp-${framework}`, ok: true }]);

    const refused = async (url: string) => {
      const response = await fetch(`${url}/orders`, {
        headers: { authorization: `Bearer ${session.tokens.access_token}` },
      });
      const body = (await response.json()) as { code?: string; reason?: string };
      return response.status === 401 &&
        body.code === 'invalid_token' &&
        (body as { reason?: string }).reason === 'revoked'
        ? response.headers.get('www-authenticate')
        : undefined;
    };
    for (const url of [first, second]) {
      let challenge = await refused(url);
      while (!challenge) {
        if (performance.now() - start > 1000) throw new Error(`${url} still accepts the token after 1 s`);
        await new Promise((r) => setTimeout(r, 10));
        challenge = await refused(url);
      }
      expect(challenge).toMatch(/^Bearer .*error="invalid_token"/);
    }
    console.log(
      `[bcl] ${framework}: both instances refuse the session ${(performance.now() - start).toFixed(1)} ms after the logout began`,
    );
    for (const url of [first, second]) {
      expect((await orders(url, other.tokens.access_token)).status).toBe(200);
    }
  });
});
