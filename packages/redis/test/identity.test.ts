// Issue 11 items 4, 7 and 8 on a real redis-server: revocation reads the verified payload (a
// claims schema that strips jti/sub changes nothing), subject cut-offs cover an iat up to
// clockTolerance in the future, and identifiers that are not well-formed Unicode (which UTF-8
// cannot carry) are refused on every path: revoke/revokeSubject throw, and the verifier refuses
// such tokens on a fresh instance and after a subscriber reconnect alike.
import { createClient } from '@redis/client';
import { type AuthError, createVerifier, isAuthError } from '@tokengate/core';
import { SignJWT } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createRedisRevocationStore, type RedisClient, type RedisRevocationStore } from '../src/index.js';
import { RedisServer, uniquePrefix, waitFor } from './helpers.js';

const secret = 'a-test-secret-that-is-long-enough-for-hs256!';
let server: RedisServer;
const stores: RedisRevocationStore[] = [];
const nowSeconds = () => Math.floor(Date.now() / 1000);

function store(prefix: string, extra: { reconnectStrategy?: () => number } = {}): RedisRevocationStore {
  const created = createRedisRevocationStore({ url: server.url, prefix, ...extra });
  stores.push(created);
  return created;
}

async function sign(claims: Record<string, unknown>): Promise<string> {
  const now = nowSeconds();
  return new SignJWT({ iat: now, exp: now + 600, ...claims })
    .setProtectedHeader({ alg: 'HS256' })
    .sign(new TextEncoder().encode(secret));
}

async function refusal(promise: Promise<unknown>): Promise<AuthError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isAuthError(error)) throw new Error(`expected an AuthError, got ${String(error)}`);
  return error;
}

beforeAll(async () => {
  server = await RedisServer.start();
});

afterEach(async () => {
  await Promise.all(stores.splice(0).map((s) => s.close()));
});

afterAll(async () => {
  await server?.kill();
});

describe('Redis store: identity rules', () => {
  it('item 4: a claims schema that strips jti and sub does not switch revocation off', async () => {
    const prefix = uniquePrefix();
    const a = store(prefix);
    const b = store(prefix);
    await Promise.all([a.ready(), b.ready()]);
    const verifier = createVerifier({ secret, revocation: b, claims: z.object({ tenant: z.string() }) });
    const token = await sign({ jti: 'strip-1', sub: 'ivy', tenant: 'acme' });
    const other = await sign({ jti: 'strip-2', sub: 'jack', tenant: 'acme' });
    const auth = await verifier.verify(token);
    expect(auth.claims).toEqual({ tenant: 'acme' });

    await a.revoke('strip-1', auth.payload.exp!);
    await waitFor(() => b.isRevoked(auth), 2000);
    expect((await refusal(verifier.verify(token))).reason).toBe('revoked');

    expect((await verifier.verify(other)).subject).toBe('jack');
    await a.revokeSubject('jack');
    await waitFor(() => b.subjectCount > 0, 2000);
    expect((await refusal(verifier.verify(other))).reason).toBe('revoked');
  });

  it('item 7: revokeSubject also revokes a token whose iat is 4 s in the future', async () => {
    const prefix = uniquePrefix();
    const a = store(prefix);
    await a.ready();
    const verifier = createVerifier({ secret, revocation: a });
    const token = await sign({ sub: 'kim', iat: nowSeconds() + 4 });
    expect((await verifier.verify(token)).subject).toBe('kim');
    await a.revokeSubject('kim');
    expect((await refusal(verifier.verify(token))).reason).toBe('revoked');
  });

  it('item 8: lone surrogates are refused by revoke/revokeSubject and by the verifier, on every instance', async () => {
    const prefix = uniquePrefix();
    const a = store(prefix);
    await a.ready();
    const jti = 'abc\ud800def';
    await expect(a.revoke(jti, nowSeconds() + 600)).rejects.toThrow(TypeError);
    await expect(a.revokeSubject('bob\udc00')).rejects.toThrow(/well-formed/);
    // Nothing was written under any spelling (in particular not the U+FFFD one).
    const raw = createClient({ url: server.url }) as RedisClient;
    raw.on('error', () => {});
    await raw.connect();
    try {
      expect(await raw.keys(`${prefix}*`)).toEqual([]);
    } finally {
      raw.destroy();
    }

    const token = await sign({ jti, sub: 'bob' });
    const bySub = await sign({ jti: 'fine', sub: 'bob\udc00' });
    const expectRefused = async (instance: RedisRevocationStore) => {
      const verifier = createVerifier({ secret, revocation: instance });
      for (const t of [token, bySub]) {
        const error = await refusal(verifier.verify(t));
        expect([error.status, error.code, error.reason]).toEqual([401, 'invalid_token', 'claims']);
      }
    };
    await expectRefused(a);

    // A fresh instance.
    const fresh = store(prefix);
    await fresh.ready();
    await expectRefused(fresh);

    // The same instance after its subscriber reconnects (and resyncs).
    const admin = createClient({ url: server.url }) as RedisClient;
    admin.on('error', () => {});
    await admin.connect();
    try {
      const before = new Set((await admin.clientList({ TYPE: 'PUBSUB' })).map((c) => c.id));
      const c = store(prefix, { reconnectStrategy: () => 100 });
      await c.ready();
      const subscriber = (await admin.clientList({ TYPE: 'PUBSUB' })).find((x) => !before.has(x.id));
      expect(subscriber).toBeDefined();
      await admin.clientKill({ filter: 'ID', id: Number(subscriber!.id) });
      await waitFor(() => c.state === 'unavailable', 2000);
      await c.ready();
      await expectRefused(c);
    } finally {
      admin.destroy();
    }
  });
});
