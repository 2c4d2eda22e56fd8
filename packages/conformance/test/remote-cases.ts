import { createTestIssuer, type TestIssuer, type TestIssuerServer } from '@tokengate/core/testing';
import { expect } from 'vitest';
import type { Case, CaseEnv } from './cases.js';
import { AUD } from './fixtures.js';
import type { CaseRequest } from './routes.js';

/**
 * Remote keys against a real loopback identity provider (OIDC discovery + JWKS), one per case so
 * that no two cases or frameworks share a key cache. Faults are switched on the live server.
 */
interface Remote {
  idp: TestIssuer;
  server: TestIssuerServer;
}

const remote = (env: CaseEnv): Remote => env.state.remote;
const bearer = (token: string): CaseRequest => ({ headers: { authorization: `Bearer ${token}` } });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const INVALID_TOKEN = 'Bearer error="invalid_token", error_description={desc}';
const FAST = { cooldownDuration: '30ms', timeoutDuration: '300ms' };

async function startIssuer(env: CaseEnv): Promise<void> {
  const idp = await createTestIssuer({ alg: 'ES256', audience: AUD });
  env.state.remote = { idp, server: await idp.listen() } satisfies Remote;
}

const withIssuer = (c: Omit<Case, 'setup' | 'teardown'>): Case => ({
  ...c,
  name: `remote keys: ${c.name}`,
  setup: startIssuer,
  teardown: async (env) => remote(env).server.close(),
});

const sign = (env: CaseEnv, claims: Record<string, unknown> = {}, options = {}) =>
  remote(env).idp.sign({ sub: 'alice', ...claims }, options);

function expectRetryAfter(response: { headers: Record<string, string | string[] | undefined> }): void {
  expect(Number(response.headers['retry-after'])).toBeGreaterThan(0);
}

export const remoteKeyCases: Case[] = [
  withIssuer({
    name: 'jwksUri verifies a token',
    options: (env) => ({ jwksUri: remote(env).server.jwksUri, audience: AUD }),
    request: async (env) => bearer(await sign(env)),
    expect: { status: 200, auth: { subject: 'alice' } },
  }),
  withIssuer({
    name: 'issuer alone: OIDC discovery, one fetch each for many requests',
    options: (env) => ({ issuer: remote(env).server.issuer, audience: AUD }),
    before: async (env, send) => {
      for (let i = 0; i < 5; i++) expect((await send(bearer(await sign(env)))).status).toBe(200);
    },
    request: async (env) => bearer(await sign(env)),
    expect: { status: 200, auth: { subject: 'alice' } },
    check: (env) => expect(remote(env).server.stats).toEqual({ discovery: 1, jwks: 1 }),
  }),
  withIssuer({
    name: 'a kid the healthy provider does not publish is 401 unknown_key',
    options: (env) => ({ issuer: remote(env).server.issuer, audience: AUD, ...FAST }),
    request: async (env) => bearer(await sign(env, {}, { kid: 'no-such-key' })),
    expect: { status: 401, challenge: INVALID_TOKEN, code: 'invalid_token', reason: 'unknown_key' },
  }),
  withIssuer({
    name: 'rotation: a new kid is fetched and verifies without a restart',
    options: (env) => ({ issuer: remote(env).server.issuer, audience: AUD, ...FAST }),
    before: async (env, send) => {
      expect((await send(bearer(await sign(env)))).status).toBe(200);
      await remote(env).idp.rotate({ keep: false });
      await sleep(40);
    },
    request: async (env) => bearer(await sign(env)),
    expect: { status: 200, auth: { subject: 'alice' } },
    check: (env) => expect(remote(env).server.stats.jwks).toBe(2),
  }),
  withIssuer({
    name: 'rotation: a withdrawn key stops verifying, cached tokens included',
    options: (env) => ({ issuer: remote(env).server.issuer, audience: AUD, ...FAST }),
    before: async (env, send) => {
      env.state.old = await sign(env);
      expect((await send(bearer(env.state.old))).status).toBe(200);
      expect((await send(bearer(env.state.old))).status).toBe(200);
      await remote(env).idp.rotate({ keep: false });
      await sleep(40);
      expect((await send(bearer(await sign(env)))).status).toBe(200);
    },
    request: (env) => bearer(env.state.old),
    expect: { status: 401, challenge: INVALID_TOKEN, code: 'invalid_token', reason: 'unknown_key' },
  }),
  ...(['down', '5xx', 'garbage', 'slow'] as const).map((fault) =>
    withIssuer({
      name: `outage (${fault}): known keys keep verifying past cacheMaxAge`,
      options: (env) => ({
        issuer: remote(env).server.issuer,
        audience: AUD,
        cacheMaxAge: '20ms',
        cache: false,
        ...FAST,
      }),
      before: async (env, send) => {
        expect((await send(bearer(await sign(env)))).status).toBe(200);
        remote(env).server.faults.set(fault, { delayMs: 2000 });
        await sleep(40);
      },
      request: async (env) => bearer(await sign(env)),
      expect: { status: 200, auth: { subject: 'alice' } },
    }),
  ),
  withIssuer({
    name: 'outage: a key we cannot fetch is 503 key_source_unavailable with Retry-After',
    options: (env) => ({ issuer: remote(env).server.issuer, audience: AUD, ...FAST }),
    before: async (env, send) => {
      expect((await send(bearer(await sign(env)))).status).toBe(200);
      remote(env).server.faults.set('down');
      await sleep(40);
    },
    request: async (env) => bearer(await sign(env, {}, { kid: 'rotated-during-outage' })),
    expect: { status: 503, code: 'key_source_unavailable' },
    check: (_env, response) => expectRetryAfter(response),
  }),
  withIssuer({
    name: 'outage before any fetch: a slow provider is a 503 within the fetch timeout',
    options: (env) => ({ jwksUri: remote(env).server.jwksUri, audience: AUD, timeoutDuration: '200ms' }),
    before: async (env) => {
      remote(env).server.faults.set('slow', { delayMs: 5000 });
      env.state.t0 = Date.now();
    },
    request: async (env) => bearer(await sign(env)),
    expect: { status: 503, code: 'key_source_unavailable' },
    check: (env, response) => {
      expectRetryAfter(response);
      expect(Date.now() - env.state.t0).toBeLessThan(2000);
    },
  }),
  withIssuer({
    name: 'recovery: after an outage everything works again without a restart',
    options: (env) => ({ issuer: remote(env).server.issuer, audience: AUD, ...FAST }),
    before: async (env, send) => {
      remote(env).server.faults.set('5xx');
      expect((await send(bearer(await sign(env)))).status).toBe(503);
      remote(env).server.faults.set(null);
      await sleep(40);
    },
    request: async (env) => bearer(await sign(env)),
    expect: { status: 200, auth: { subject: 'alice' } },
  }),
  ...(['issuer-mismatch', 'no-jwks-uri', 'non-json'] as const).map((fault) =>
    withIssuer({
      name: `discovery defect (${fault}) is a 503, reported through onError with the URL`,
      options: (env) => ({
        issuer: remote(env).server.issuer,
        audience: AUD,
        onError: ({ error }) => env.events.push({ hook: 'onError', event: error }),
      }),
      before: async (env) => remote(env).server.faults.set(fault),
      request: async (env) => bearer(await sign(env)),
      expect: { status: 503, code: 'key_source_unavailable' },
      check: (env, response) => {
        expectRetryAfter(response);
        const error = env.events.find((e) => e.hook === 'onError')?.event;
        expect(String(error?.cause?.message ?? error?.message)).toContain(remote(env).server.url);
      },
    }),
  ),
  withIssuer({
    name: 'several issuers: an unlisted iss is 401 and causes no fetch',
    options: (env) => ({ issuers: [{ issuer: remote(env).server.issuer, audience: AUD }] }),
    request: async (env) => bearer(await sign(env, {}, { issuer: 'http://127.0.0.1:9/attacker' })),
    expect: { status: 401, challenge: INVALID_TOKEN, code: 'invalid_token', reason: 'issuer' },
    check: (env) => expect(remote(env).server.stats).toEqual({ discovery: 0, jwks: 0 }),
  }),
];
