import { type AuthError, createVerifier, isAuthError } from '@tokengate/core';
import { SignJWT } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createRedisRevocationStore, type RedisRevocationStore } from '../src/index.js';
import { RedisServer, uniquePrefix, waitFor } from './helpers.js';

const secret = 'a-test-secret-that-is-long-enough-for-hs256!';
let server: RedisServer;
const stores: RedisRevocationStore[] = [];

async function sign(claims: Record<string, unknown>): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ iat: now, exp: now + 600, ...claims })
    .setProtectedHeader({ alg: 'HS256' })
    .sign(new TextEncoder().encode(secret));
}

async function failure(promise: Promise<unknown>): Promise<AuthError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isAuthError(error)).toBe(true);
  return error as AuthError;
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

describe('as the verifier `revocation` option', () => {
  it('a token revoked on another instance is 401 invalid_token (revoked); Redis down is 503', async () => {
    const prefix = uniquePrefix();
    const a = createRedisRevocationStore({ url: server.url, prefix });
    const b = createRedisRevocationStore({ url: server.url, prefix });
    stores.push(a, b);
    await Promise.all([a.ready(), b.ready()]);
    const verifierB = createVerifier({ secret, revocation: b });

    const token = await sign({ jti: 'session-1', sub: 'ivy' });
    const other = await sign({ jti: 'session-2', sub: 'jack' });
    const verified = await verifierB.verify(token); // also fills the verified-token cache
    expect(verified.claims.jti).toBe('session-1');

    await a.revoke('session-1', verified.claims.exp!);
    await waitFor(() => b.isRevoked(verified) === true, 2000);
    const revoked = await failure(verifierB.verify(token));
    expect([revoked.status, revoked.code, revoked.reason]).toEqual([401, 'invalid_token', 'revoked']);
    expect(revoked.headers['WWW-Authenticate']).toContain('error="invalid_token"');
    expect((await verifierB.verify(other)).subject).toBe('jack');

    await a.revokeSubject('jack');
    await waitFor(() => b.subjectCount === 1, 2000);
    expect((await failure(verifierB.verify(other))).reason).toBe('revoked');

    await server.kill();
    await waitFor(() => b.state === 'unavailable', 2000);
    const fresh = await sign({ jti: 'session-3', sub: 'kim' });
    const down = await failure(verifierB.verify(fresh));
    expect([down.status, down.code]).toEqual([503, 'revocation_unavailable']);
    expect(down.headers['Retry-After']).toBe('5');
    expect(down.message).not.toContain(fresh);

    await server.start();
    await b.ready();
    expect((await verifierB.verify(fresh)).subject).toBe('kim');
  });
});
