/**
 * `authenticateNow` (the adapters' entry, issue 26 item 13): a repeated token whose checks are all
 * synchronous is answered in the same turn, without a promise, and every request gets exactly the
 * answer `authenticate` gives — outcome, refusal, challenge, hooks and the recorded outcome —
 * whatever the request and the options. The cache differential tests (core and every adapter)
 * cover the same lane over random sequences of keys, clocks and revocations.
 */
import { calculateJwkThumbprint, exportJWK, generateKeyPair } from 'jose';
import { describe, expect, it } from 'vitest';
import { authenticateNow } from '../../src/adapter.js';
import {
  authenticate,
  createMemoryRevocationStore,
  createVerifier,
  type TokengateOptions,
} from '../../src/index.js';
import { outcomeOf } from '../../src/request/outcome.js';
import type { RequestLike } from '../../src/request/token-sources.js';
import { createTestIssuer } from '../../src/testing/index.js';

const idp = await createTestIssuer({ alg: 'HS256' });
const AUDIENCE = 'api://orders';

function requestOf(headers: Record<string, string>, method = 'GET', url = '/orders'): RequestLike {
  return {
    method,
    url,
    raw: {},
    header: (name) => headers[name],
  };
}

/** What one call concluded, as comparable text (outcome or refusal, with its challenge). */
async function verdict(run: () => unknown): Promise<string> {
  try {
    const outcome = (await run()) as { auth?: { subject?: string; scopes: Set<string> }; error?: unknown };
    const error = outcome.error as { status: number; code: string; reason?: string } | undefined;
    return `pass ${outcome.auth?.subject ?? '-'} ${[...(outcome.auth?.scopes ?? [])].join(' ')} ${
      error ? `${error.status} ${error.code} ${error.reason}` : ''
    }`;
  } catch (thrown) {
    const e = thrown as { status?: number; code?: string; reason?: string; headers?: Record<string, string> };
    if (typeof e.status !== 'number') return `threw ${String(thrown)}`;
    return `refused ${e.status} ${e.code} ${e.reason} ${JSON.stringify(e.headers)}`;
  }
}

const revoked = createMemoryRevocationStore();
const OPTIONS: Record<string, TokengateOptions> = {
  plain: { secret: idp.secret, audience: AUDIENCE },
  lenient: { secret: idp.secret, audience: AUDIENCE, credentialsRequired: false, invalidTokens: 'anonymous' },
  revocation: { secret: idp.secret, audience: AUDIENCE, revocation: revoked },
  asyncPredicate: {
    secret: idp.secret,
    audience: AUDIENCE,
    isRevoked: async (auth) => auth.subject === 'mallory',
  },
  throwingPredicate: {
    secret: idp.secret,
    audience: AUDIENCE,
    isRevoked: (auth) => {
      if (auth.subject === 'mallory') throw new Error('db down');
      return false;
    },
  },
  sources: {
    secret: idp.secret,
    audience: AUDIENCE,
    tokenSources: ['header', { cookie: 'at' }, { query: 'access_token' }],
  },
  getToken: { secret: idp.secret, audience: AUDIENCE, getToken: () => undefined },
  realm: { secret: idp.secret, audience: AUDIENCE, realm: 'orders' },
};

describe('authenticateNow answers as authenticate does', async () => {
  const now = Math.floor(Date.now() / 1000);
  const good = await idp.sign(
    { sub: 'alice', scope: 'orders:read' },
    { audience: AUDIENCE, expiresIn: '1h' },
  );
  const mallory = await idp.sign({ sub: 'mallory' }, { audience: AUDIENCE, expiresIn: '1h' });
  const revokedToken = await idp.sign({ sub: 'bob', jti: 'gone' }, { audience: AUDIENCE, expiresIn: '1h' });
  await revoked.revoke('gone', now + 3600);
  const elsewhere = await idp.sign({ sub: 'alice' }, { audience: 'api://other', expiresIn: '1h' });
  const expired = await idp.sign({ sub: 'alice' }, { audience: AUDIENCE, defect: 'expired' });
  const { publicKey } = await generateKeyPair('ES256');
  const jkt = await calculateJwkThumbprint(await exportJWK(publicKey));
  const bound = await idp.sign({ sub: 'alice' }, { audience: AUDIENCE, expiresIn: '1h', dpop: { jkt } });
  const forged = `${good.slice(0, good.lastIndexOf('.') + 1)}${'A'.repeat(43)}`;

  const REQUESTS: Record<string, RequestLike> = {
    none: requestOf({}),
    good: requestOf({ authorization: `Bearer ${good}` }),
    lowercaseScheme: requestOf({ authorization: `bearer ${good}` }),
    mallory: requestOf({ authorization: `Bearer ${mallory}` }),
    revoked: requestOf({ authorization: `Bearer ${revokedToken}` }),
    elsewhere: requestOf({ authorization: `Bearer ${elsewhere}` }),
    expired: requestOf({ authorization: `Bearer ${expired}` }),
    boundAsBearer: requestOf({ authorization: `Bearer ${bound}` }),
    forged: requestOf({ authorization: `Bearer ${forged}` }),
    garbage: requestOf({ authorization: 'Bearer not a token' }),
    emptyBearer: requestOf({ authorization: 'Bearer ' }),
    basic: requestOf({ authorization: 'Basic YTpi' }),
    cookie: requestOf({ cookie: `at=${good}` }),
    badCookie: requestOf({ cookie: 'at=a"b' }),
    query: requestOf({}, 'GET', `/orders?access_token=${good}`),
    twoWays: requestOf({ authorization: `Bearer ${good}` }, 'GET', `/orders?access_token=${good}`),
    preflight: requestOf({ 'access-control-request-method': 'GET' }, 'OPTIONS'),
  };

  for (const [config, options] of Object.entries(OPTIONS)) {
    it(`with ${config} options, every request, three times over (cold, then cached)`, async () => {
      const slow = createVerifier(options);
      const fast = createVerifier(options);
      for (let round = 0; round < 3; round++) {
        for (const [name, request] of Object.entries(REQUESTS)) {
          const fastRaw = {};
          const slowRaw = {};
          const expected = await verdict(() => authenticate(slow, { ...request, raw: slowRaw }));
          const got = await verdict(() => authenticateNow(fast, { ...request, raw: fastRaw }));
          expect(`${name}: ${got}`).toBe(`${name}: ${expected}`);
          expect(String(outcomeOf(fastRaw)?.error?.code)).toBe(String(outcomeOf(slowRaw)?.error?.code));
          expect(outcomeOf(fastRaw)?.auth?.subject).toBe(outcomeOf(slowRaw)?.auth?.subject);
        }
      }
    });
  }

  it('answers a repeated token in the same turn, and only when every check can', async () => {
    const request = REQUESTS.good!;
    for (const config of ['plain', 'revocation', 'sources', 'realm'] as const) {
      const verifier = createVerifier(OPTIONS[config]!);
      // The cache admits a token from its second verification on.
      for (let i = 0; i < 2; i++) await authenticateNow(verifier, request);
      const outcome = authenticateNow(verifier, request);
      expect(outcome, config).not.toBeInstanceOf(Promise);
      expect((outcome as { auth?: { subject: string } }).auth?.subject).toBe('alice');
    }
    // An asynchronous check (a promise-returning isRevoked, getToken) is waited for.
    for (const config of ['asyncPredicate', 'getToken'] as const) {
      const verifier = createVerifier(OPTIONS[config]!);
      for (let i = 0; i < 2; i++) await verdict(() => authenticateNow(verifier, request));
      const outcome = authenticateNow(verifier, request);
      expect(outcome, config).toBeInstanceOf(Promise);
      await verdict(() => outcome);
    }
    // A refusal is never thrown synchronously, even for a cached token now revoked.
    const store = createMemoryRevocationStore();
    const verifier = createVerifier({ ...OPTIONS.plain!, revocation: store });
    for (let i = 0; i < 2; i++) await authenticateNow(verifier, request);
    await store.revokeSubject('alice', Math.floor(Date.now() / 1000) + 3600);
    const refused = authenticateNow(verifier, request);
    expect(refused).toBeInstanceOf(Promise);
    await expect(refused).rejects.toMatchObject({ status: 401, reason: 'revoked' });
  });

  it('calls onAuthenticated and onError as authenticate does', async () => {
    const calls: string[] = [];
    const options: TokengateOptions = {
      ...OPTIONS.plain!,
      onAuthenticated: ({ auth }) => {
        calls.push(`ok ${auth.subject}`);
      },
      onError: ({ error }) => {
        calls.push(`error ${error.code}`);
      },
    };
    const slow = createVerifier(options);
    const fast = createVerifier(options);
    const sequence = ['good', 'good', 'good', 'forged', 'expired', 'good', 'none'];
    for (const name of sequence) await verdict(() => authenticate(slow, REQUESTS[name]!));
    const expected = calls.splice(0);
    for (const name of sequence) await verdict(() => authenticateNow(fast, REQUESTS[name]!));
    expect(calls).toEqual(expected);
  });
});
