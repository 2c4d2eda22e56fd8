/**
 * mcpTokenVerifier through the MCP SDK v2's own gate functions (`requireBearerAuth`,
 * `verifyBearerToken`, `bearerAuthChallengeResponse` of `@modelcontextprotocol/server`), against
 * tokengate's local test issuer (JWKS over HTTP on 127.0.0.1). The Express gate of
 * `@modelcontextprotocol/express` is tested in examples/mcp/test/express-gate.test.ts: that package
 * declares `req.auth` as its AuthInfo for every Express request, which would retype
 * `@tokengate/express` in the root type-check that includes this file.
 */
import {
  type AuthInfo,
  bearerAuthChallengeResponse,
  OAuthError,
  requireBearerAuth,
  verifyBearerToken,
} from '@modelcontextprotocol/server';
import { createMemoryRevocationStore, resourceMetadataUrl } from '@tokengate/core';
import { createTestIssuer, type TestIssuer, type TestIssuerServer } from '@tokengate/core/testing';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { mcpTokenVerifier } from '../src/index.js';

const RESOURCE = 'https://mcp.example.com/mcp';
const METADATA = 'https://mcp.example.com/.well-known/oauth-protected-resource/mcp';
let idp: TestIssuer;
let server: TestIssuerServer;
beforeAll(async () => {
  idp = await createTestIssuer({ alg: 'ES256', audience: RESOURCE });
  server = await idp.listen();
});
afterAll(() => server.close());

const post = (token?: string) =>
  new Request(RESOURCE, {
    method: 'POST',
    headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
  });
const challenge = (description: string) =>
  `Bearer error="invalid_token", error_description="${description}", resource_metadata="${METADATA}"`;

describe('mcpTokenVerifier: AuthInfo as the SDK defines it', () => {
  it('token, clientId (client_id), scopes array, expiresAt in seconds, resource a URL, the metadata URL', async () => {
    const verifier = mcpTokenVerifier({ issuer: server.issuer, resource: RESOURCE });
    const token = await idp.sign({
      sub: 'alice',
      client_id: 'cli-1',
      azp: 'other',
      scope: 'notes:read notes:write',
    });
    const exp = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()).exp;
    const gate = requireBearerAuth({
      verifier,
      resourceMetadataUrl: resourceMetadataUrl(RESOURCE),
      expectedResource: new URL(RESOURCE), // the SDK's own audience check agrees with ours
    });
    const info = (await gate(post(token))) as AuthInfo;
    expect(info).not.toBeInstanceOf(Response);
    expect(info).toMatchObject({
      token,
      clientId: 'cli-1',
      scopes: ['notes:read', 'notes:write'],
      expiresAt: exp,
      resourceMetadataUrl: METADATA,
    });
    expect(info.resource).toBeInstanceOf(URL);
    expect(info.resource!.href).toBe(RESOURCE);
    expect(Number.isInteger(info.expiresAt)).toBe(true);
  });

  it('clientId falls back to azp, then to the empty string; scp arrays become scopes too', async () => {
    const verifier = mcpTokenVerifier({ issuer: server.issuer, resource: RESOURCE });
    const azp = await verifier.verifyAccessToken(await idp.sign({ azp: 'spa', scp: ['a', 'b'] }));
    expect(azp.clientId).toBe('spa');
    expect(azp.scopes.sort()).toEqual(['a', 'b']);
    const none = await verifier.verifyAccessToken(await idp.sign({ sub: 'x' }));
    expect(none.clientId).toBe('');
    expect(none.scopes).toEqual([]);
  });

  it('each AuthInfo has its own resource URL: a handler that changes one changes no other', async () => {
    const verifier = mcpTokenVerifier({ issuer: server.issuer, resource: RESOURCE });
    const token = await idp.sign({ sub: 'a' });
    const first = await verifier.verifyAccessToken(token);
    first.resource!.pathname = '/elsewhere';
    expect((await verifier.verifyAccessToken(token)).resource!.href).toBe(RESOURCE);
  });

  it('authContext: the typed tokengate context of an AuthInfo it made, after the gate copied it; nothing for others', async () => {
    const claims = z.object({ sub: z.string(), tenant: z.string() });
    const verifier = mcpTokenVerifier({ issuer: server.issuer, resource: RESOURCE, claims });
    const gate = requireBearerAuth({ verifier }); // no resourceMetadataUrl: the SDK keeps ours
    const info = (await gate(post(await idp.sign({ sub: 'alice', tenant: 't1', scope: 'x' })))) as AuthInfo;
    const auth = verifier.authContext(info);
    expectTypeOf(auth!.claims).toEqualTypeOf<{ sub: string; tenant: string }>();
    expect(auth?.claims).toEqual({ sub: 'alice', tenant: 't1' });
    expect(auth?.subject).toBe('alice');
    expect([...auth!.scopes]).toEqual(['x']);
    expect(verifier.authContext({ ...info, extra: { subject: 'alice' } })).toBeUndefined();
    expect(verifier.authContext(undefined)).toBeUndefined();
    const other = mcpTokenVerifier({ issuer: server.issuer, resource: RESOURCE });
    expect(other.authContext(info)).toBeUndefined();
  });
});

describe('mcpTokenVerifier: refusals are the SDK’s OAuthError, answered 401 by its gates', () => {
  const verifier = () => mcpTokenVerifier({ issuer: server.issuer, resource: RESOURCE });

  it.each([
    [
      'another resource',
      () => idp.sign({ sub: 'a' }, { audience: 'https://other.example/mcp' }),
      'token audience is not accepted',
    ],
    [
      'expired',
      () => idp.sign({ sub: 'a' }, { issuedAt: Math.floor(Date.now() / 1000) - 3600, expiresIn: 60 }),
      'token has expired',
    ],
    [
      'another issuer',
      () => idp.sign({ sub: 'a' }, { issuer: 'https://evil.example/' }),
      'token issuer is not accepted',
    ],
  ])('%s: 401 invalid_token with resource_metadata', async (_name, sign, description) => {
    const gate = requireBearerAuth({
      verifier: verifier(),
      resourceMetadataUrl: resourceMetadataUrl(RESOURCE),
    });
    const refused = (await gate(post(await sign()))) as Response;
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toBe(challenge(description));
    expect(await refused.json()).toEqual({ error: 'invalid_token', error_description: description });
  });

  it('the thrown error is the SDK’s OAuthError, code invalid_token, tokengate’s AuthError as cause', async () => {
    const foreign = await idp.sign({ sub: 'a' }, { audience: 'https://other.example/mcp' });
    const error = await verifier()
      .verifyAccessToken(foreign)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OAuthError);
    expect(error).toMatchObject({
      code: 'invalid_token',
      cause: { code: 'invalid_token', reason: 'audience' },
    });
  });

  it('a bad signature, garbage, a token not even a JWS, one over maxTokenLength: 401, never 500', async () => {
    const other = await createTestIssuer({ alg: 'ES256', audience: RESOURCE, issuer: server.issuer });
    const gate = requireBearerAuth({ verifier: verifier() });
    for (const token of [await other.sign({ sub: 'a' }), 'abc.def.ghi', 'not-a-jwt', 'a'.repeat(9000)]) {
      const refused = (await gate(post(token))) as Response;
      expect(refused.status, token).toBe(401);
    }
  });

  it('a revoked token is refused (revocation runs in the verifier)', async () => {
    const revocation = createMemoryRevocationStore();
    const v = mcpTokenVerifier({ issuer: server.issuer, resource: RESOURCE, revocation });
    const token = await idp.sign({ sub: 'a', jti: 'j-1' });
    await v.verifyAccessToken(token);
    await revocation.revoke('j-1', Math.floor(Date.now() / 1000) + 600);
    const error = await v.verifyAccessToken(token).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'invalid_token', cause: { reason: 'revoked' } });
  });

  it('a DPoP-bound token (cnf.jkt) presented to the bearer gate is refused (RFC 9449 §7.2)', async () => {
    const token = await idp.sign({ sub: 'a', cnf: { jkt: 'x'.repeat(43) } });
    const error = await verifier()
      .verifyAccessToken(token)
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'invalid_token', cause: { reason: 'dpop_bound' } });
  });

  it('hooks: onError sees the refusal (with its challenge), onAuthenticated a context without the token', async () => {
    const events: unknown[] = [];
    const v = mcpTokenVerifier({
      issuer: server.issuer,
      resource: RESOURCE,
      onError: ({ error }) =>
        events.push(['error', error.code, error.reason, error.headers['WWW-Authenticate']]),
      onAuthenticated: ({ auth }) => events.push(['ok', auth.subject, 'token' in auth]),
    });
    await v.verifyAccessToken(await idp.sign({ sub: 'bob' }));
    await v
      .verifyAccessToken(await idp.sign({ sub: 'a' }, { audience: 'https://x.example/' }))
      .catch(() => {});
    expect(events).toEqual([
      ['ok', 'bob', false],
      ['error', 'invalid_token', 'audience', challenge('token audience is not accepted')],
    ]);
  });
});

describe('mcpTokenVerifier: when the keys cannot be had', () => {
  it('an unreachable key source is the SDK’s server_error: 500 from its gates, no challenge, no key URL', async () => {
    const down = await createTestIssuer({ alg: 'ES256', audience: RESOURCE });
    const downServer = await down.listen();
    const errors: string[] = [];
    const verifier = mcpTokenVerifier({
      issuer: downServer.issuer,
      resource: RESOURCE,
      onError: ({ error }) => errors.push(error.code),
    });
    const token = await down.sign({ sub: 'a' });
    downServer.faults.set('down');
    try {
      const thrown = await verifier.verifyAccessToken(token).catch((e: unknown) => e);
      expect(thrown).toBeInstanceOf(OAuthError);
      expect(thrown).toMatchObject({ code: 'server_error', cause: { code: 'key_source_unavailable' } });
      const answer = bearerAuthChallengeResponse(thrown, { resourceMetadataUrl: METADATA });
      expect(answer.status).toBe(500);
      expect(answer.headers.get('www-authenticate')).toBeNull();
      const body = await answer.text();
      expect(JSON.parse(body)).toEqual({
        error: 'server_error',
        error_description: 'the keys needed to verify the token are temporarily unavailable',
      });
      expect(body).not.toContain('127.0.0.1');
      expect(errors).toEqual(['key_source_unavailable']);
    } finally {
      await downServer.close();
    }
  });

  it('an error that is not a refusal (a secret function that throws) is passed on: the SDK answers 500', async () => {
    const hmac = await createTestIssuer({
      alg: 'HS256',
      audience: RESOURCE,
      issuer: 'https://idp.example.com/',
    });
    const verifier = mcpTokenVerifier({
      secret: () => {
        throw new Error('database down');
      },
      resource: RESOURCE,
    });
    const token = await hmac.sign({ sub: 'a' });
    const thrown = await verifyBearerToken(`Bearer ${token}`, { verifier }).catch((e: unknown) => e);
    expect(thrown).toBeInstanceOf(Error);
    expect(thrown).not.toBeInstanceOf(OAuthError);
    expect((thrown as Error).message).toBe('database down');
    const answer = (await requireBearerAuth({ verifier })(post(token))) as Response;
    expect(answer.status).toBe(500);
    expect(await answer.json()).toEqual({
      error: 'server_error',
      error_description: 'Internal Server Error',
    });
  });
});

describe('mcpTokenVerifier: start-up checks', () => {
  it.each([
    [{ issuer: 'https://idp.example.com/' }, /"resource" is required/],
    [
      { issuer: 'https://idp.example.com/', resource: RESOURCE, tokenSources: ['header'] },
      /"tokenSources" does not apply/,
    ],
    [
      { issuer: 'https://idp.example.com/', resource: RESOURCE, getToken: () => 'x' },
      /"getToken" does not apply/,
    ],
    [
      { issuer: 'https://idp.example.com/', resource: RESOURCE, credentialsRequired: false },
      /"credentialsRequired" does not apply/,
    ],
    [{ issuer: 'https://idp.example.com/', resource: RESOURCE, dpop: 'required' }, /"dpop" does not apply/],
    [{ issuer: 'https://idp.example.com/', resource: RESOURCE, requireExp: false }, /requireExp: false/],
    [{ issuer: 'https://idp.example.com/', resource: 'http://mcp.example.com/mcp' }, /resource/],
    [{ resource: RESOURCE }, /./],
  ])('%o is a TypeError', (options, message) => {
    expect(() => mcpTokenVerifier(options as never)).toThrow(TypeError);
    expect(() => mcpTokenVerifier(options as never)).toThrow(message);
  });
});
