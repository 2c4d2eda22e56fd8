/**
 * What `authenticate` records on the framework's request, and why nothing else can pass for it:
 * the record guards, decorators and `getAuth` read (request/outcome.ts).
 */
import { describe, expect, it } from 'vitest';
import { authenticate, checkRequest, createVerifier, requireAuth, requireScope } from '../../src/index.js';
import { outcomeOf } from '../../src/request/outcome.js';
import type { RequestLike } from '../../src/request/token-sources.js';
import { createTestIssuer } from '../../src/testing/index.js';

const idp = await createTestIssuer({ alg: 'HS256' });

function requestOf(raw: object, authorization?: string): RequestLike {
  return {
    method: 'GET',
    url: '/orders',
    raw,
    header: (name) => (name === 'authorization' ? authorization : undefined),
  };
}

describe('the outcome authenticate records on request.raw', () => {
  const lenient = createVerifier({ secret: idp.secret, credentialsRequired: false, realm: 'orders' });
  const strict = createVerifier({ secret: idp.secret, audience: 'api://admin' });

  it('is what authenticate returned, and guards read it', async () => {
    const raw = {};
    const token = await idp.sign({ sub: 'alice', scope: 'orders:read' }, { expiresIn: '1h' });
    const outcome = await authenticate(lenient, requestOf(raw, `Bearer ${token}`));
    expect(outcomeOf(raw)).toBe(outcome);
    expect(outcomeOf(raw)?.auth?.subject).toBe('alice');
    expect(checkRequest(requireScope('orders:read'), raw)).toBeUndefined();
    expect(checkRequest(requireScope('orders:write'), raw)?.headers['WWW-Authenticate']).toMatch(
      /^Bearer realm="orders", error="insufficient_scope"/,
    );
  });

  it('an anonymous pass records no context, and the 401 announces the realm', async () => {
    const raw = {};
    await authenticate(lenient, requestOf(raw));
    expect(outcomeOf(raw)?.auth).toBeUndefined();
    expect(checkRequest(requireAuth(), raw)?.headers['WWW-Authenticate']).toBe('Bearer realm="orders"');
  });

  it('a later refusal replaces an earlier context (it never survives)', async () => {
    const raw = {};
    const token = await idp.sign({ sub: 'alice', scope: 'orders:read' }, { expiresIn: '1h' });
    await authenticate(lenient, requestOf(raw, `Bearer ${token}`));
    expect(outcomeOf(raw)?.auth).toBeDefined();
    await expect(authenticate(strict, requestOf(raw, `Bearer ${token}`))).rejects.toMatchObject({
      code: 'invalid_token',
    });
    expect(outcomeOf(raw)?.auth).toBeUndefined();
    expect(checkRequest(requireAuth(), raw)?.code).toBe('missing_token');
  });

  it('nothing but a record authenticate made counts, even under its own symbol', async () => {
    const raw = {};
    const token = await idp.sign({ sub: 'alice', scope: 'orders:read' }, { expiresIn: '1h' });
    await authenticate(lenient, requestOf(raw, `Bearer ${token}`));
    const [symbol] = Object.getOwnPropertySymbols(raw);
    const forged = { auth: { scopes: new Set(['orders:write']), roles: new Set() }, error: undefined };
    const copy = { [symbol!]: forged };
    expect(outcomeOf(copy)).toBeUndefined();
    expect(checkRequest(requireScope('orders:write'), copy)?.code).toBe('missing_token');
    // Look-alikes with an `auth` member, primitives, and a frozen raw (nothing recorded: 401).
    for (const value of [{ auth: forged.auth }, 'auth', 1, null, undefined])
      expect(outcomeOf(value)).toBeUndefined();
    const frozen = Object.freeze({});
    await authenticate(lenient, requestOf(frozen, `Bearer ${token}`));
    expect(outcomeOf(frozen)).toBeUndefined();
    expect(checkRequest(requireAuth(), frozen)?.status).toBe(401);
  });
});
