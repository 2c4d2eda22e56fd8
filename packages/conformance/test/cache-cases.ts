import { createTestIssuer, type TestIssuer, type TestIssuerServer } from '@tokengate/core/testing';
import { vi } from 'vitest';
import type { Case, CaseEnv, Expected } from './cases.js';
import { AUD, ISS } from './fixtures.js';
import type { CaseRequest } from './routes.js';

/**
 * The verified-token cache may only save work (issue 11, items 1–3): each case first fills the
 * cache with a request that passes, then changes the clock or the keys, and expects exactly what
 * a verifier with `cache: false` answers. Every case runs on every driver.
 */

const bearer = (token: string): CaseRequest => ({ headers: { authorization: `Bearer ${token}` } });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const INVALID_TOKEN = 'Bearer error="invalid_token", error_description={desc}';
const invalidToken = (reason: Expected['reason']): Expected => ({
  status: 401,
  challenge: INVALID_TOKEN,
  code: 'invalid_token',
  reason,
});

/**
 * Sends a token until the cache holds it (a token is admitted on its second verification; a
 * third request is served from the cache).
 */
async function fill(
  send: (request: CaseRequest) => Promise<{ status: number }>,
  token: string,
): Promise<void> {
  for (let i = 0; i < 3; i++) {
    if ((await send(bearer(token))).status !== 200) throw new Error('setup: the token must pass first');
  }
}

interface Remote {
  idp: TestIssuer;
  server: TestIssuerServer;
}
const remote = (env: CaseEnv): Remote => env.state.remote;

/** A loopback identity provider of its own, so no two cases or drivers share a remote key set. */
const withIssuer = (c: Omit<Case, 'setup' | 'teardown'>): Case => ({
  ...c,
  setup: async (env) => {
    const idp = await createTestIssuer({ alg: 'ES256', audience: AUD });
    env.state.remote = { idp, server: await idp.listen() } satisfies Remote;
  },
  teardown: async (env) => remote(env).server.close(),
});

/** Only `Date` is faked: sockets and timers stay real. Restored in teardown. */
const withFrozenClock = (c: Omit<Case, 'setup' | 'teardown'>): Case => ({
  ...c,
  setup: async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
  },
  teardown: async () => {
    vi.useRealTimers();
  },
});

/** Remote-key timing of the cases below: the key set is fresh for 150 ms. */
const QUICK = { cacheMaxAge: '150ms', cooldownDuration: '20ms', timeoutDuration: '300ms' };
const QUICK_MAX_AGE_MS = 150;

/**
 * The token's only verifications happen when no fresh key set is held: at the cold start (the
 * first request loads the set), then once the set is due for refresh. Only these, on a quiet
 * server: each then leaves the cache holding the token (it is admitted on its second use).
 */
async function coldThenDue(env: CaseEnv, send: (request: CaseRequest) => Promise<{ status: number }>) {
  env.state.token = await remote(env).idp.sign({ sub: 'alice' });
  if ((await send(bearer(env.state.token))).status !== 200) throw new Error('setup: cold start');
  await sleep(QUICK_MAX_AGE_MS + 50);
  if ((await send(bearer(env.state.token))).status !== 200) throw new Error('setup: due for refresh');
}

export const cacheCases: Case[] = [
  withIssuer({
    name: 'cache (item 1): a key withdrawn from the JWKS stops verifying a token first verified at a cold start, on a quiet server',
    options: (env) => ({ jwksUri: remote(env).server.jwksUri, audience: AUD, ...QUICK }),
    before: async (env, send) => {
      await coldThenDue(env, send);
      await remote(env).idp.rotate({ keep: false });
      await sleep(QUICK_MAX_AGE_MS + 50); // no other request: the set is now due for refresh
    },
    request: (env) => bearer(env.state.token),
    expect: invalidToken('unknown_key'),
  }),
  withIssuer({
    name: 'cache (item 1): past cacheMaxAge + staleIfError, a cached token is 503 like every other',
    options: (env) => ({
      jwksUri: remote(env).server.jwksUri,
      audience: AUD,
      ...QUICK,
      staleIfError: '100ms',
    }),
    before: async (env, send) => {
      await coldThenDue(env, send);
      remote(env).server.faults.set('down');
      await sleep(QUICK_MAX_AGE_MS + 100 + 50);
    },
    request: (env) => bearer(env.state.token),
    expect: { status: 503, code: 'key_source_unavailable' },
  }),
  withFrozenClock({
    name: 'cache (item 2): maxTokenAge holds on a cache hit',
    options: (env) => ({ secret: env.f.hs.secret!, issuer: ISS, audience: AUD, maxTokenAge: 2 }),
    before: async (env, send) => {
      env.state.token = await env.f.hs.sign({ sub: 'alice' }, { issuedAt: Math.floor(Date.now() / 1000) });
      await fill(send, env.state.token);
      // 2 s of maxTokenAge + the default 5 s clock tolerance, and a little more.
      vi.setSystemTime(Date.now() + 7_500);
    },
    request: (env) => bearer(env.state.token),
    expect: invalidToken('expired'),
  }),
  withFrozenClock({
    name: 'cache (item 2): exp holds on a cache hit',
    options: (env) => ({ secret: env.f.hs.secret!, issuer: ISS, audience: AUD, clockTolerance: 0 }),
    before: async (env, send) => {
      env.state.token = await env.f.hs.sign({ sub: 'alice' }, { expiresIn: 60 });
      await fill(send, env.state.token);
      vi.setSystemTime(Date.now() + 61_000);
    },
    request: (env) => bearer(env.state.token),
    expect: invalidToken('expired'),
  }),
  {
    name: 'cache (item 3): a secret function that stops returning a leaked secret is obeyed on the next request',
    options: (env) => ({
      secret: () => (env.state.leaked ? undefined : env.f.hs.secret!),
      issuer: ISS,
      audience: AUD,
    }),
    before: async (env, send) => {
      env.state.token = await env.f.hs.sign({ sub: 'alice' });
      await fill(send, env.state.token);
      env.state.leaked = true;
    },
    request: (env) => bearer(env.state.token),
    expect: invalidToken('unknown_key'),
  },
  {
    name: 'cache (item 3): a secret function that swaps the secret re-verifies cached tokens against the new one',
    options: (env) => ({
      secret: () => (env.state.swapped ? 'another-secret-of-at-least-32-bytes!!' : env.f.hs.secret!),
      issuer: ISS,
      audience: AUD,
    }),
    before: async (env, send) => {
      env.state.token = await env.f.hs.sign({ sub: 'alice' });
      await fill(send, env.state.token);
      env.state.swapped = true;
    },
    request: (env) => bearer(env.state.token),
    expect: invalidToken('bad_signature'),
  },
];
