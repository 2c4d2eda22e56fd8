/**
 * mcpTokenVerifier behind the Express gate of `@modelcontextprotocol/express` (a real Express app,
 * supertest), against tokengate's local test issuer: the SDK's 401 with the challenge and its OAuth
 * JSON body, and its 500 `server_error` when the keys cannot be had. (Here rather than in
 * packages/mcp: `@modelcontextprotocol/express` retypes `req.auth` for every Express request, and
 * the root type-check would then retype `@tokengate/express` too.)
 */
import { requireBearerAuth } from '@modelcontextprotocol/express';
import type { AuthInfo } from '@modelcontextprotocol/server';
import { resourceMetadataUrl } from '@tokengate/core';
import { createTestIssuer, type TestIssuer, type TestIssuerServer } from '@tokengate/core/testing';
import { mcpTokenVerifier } from '@tokengate/mcp';
import express from 'express';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const RESOURCE = 'https://mcp.example.com/mcp';
const METADATA = 'https://mcp.example.com/.well-known/oauth-protected-resource/mcp';
let idp: TestIssuer;
let server: TestIssuerServer;
beforeAll(async () => {
  idp = await createTestIssuer({ alg: 'ES256', audience: RESOURCE });
  server = await idp.listen();
});
afterAll(() => server.close());

function app(verifier: ReturnType<typeof mcpTokenVerifier>) {
  const app = express();
  app.post(
    '/mcp',
    requireBearerAuth({ verifier, resourceMetadataUrl: resourceMetadataUrl(RESOURCE) }),
    (req, res) => res.json({ clientId: (req as { auth?: AuthInfo }).auth?.clientId }),
  );
  return app;
}

describe('mcpTokenVerifier behind requireBearerAuth of @modelcontextprotocol/express', () => {
  it('a token for another resource: 401 with the challenge and the OAuth JSON body; a good one passes', async () => {
    const gated = app(mcpTokenVerifier({ issuer: server.issuer, resource: RESOURCE }));
    const foreign = await idp.sign({ client_id: 'c' }, { audience: 'https://other.example/mcp' });
    const refused = await request(gated).post('/mcp').set('authorization', `Bearer ${foreign}`);
    expect(refused.status).toBe(401);
    expect(refused.headers['www-authenticate']).toBe(
      `Bearer error="invalid_token", error_description="token audience is not accepted", resource_metadata="${METADATA}"`,
    );
    expect(refused.body).toEqual({
      error: 'invalid_token',
      error_description: 'token audience is not accepted',
    });
    const ok = await request(gated)
      .post('/mcp')
      .set('authorization', `Bearer ${await idp.sign({ client_id: 'c' })}`);
    expect(ok.body).toEqual({ clientId: 'c' });
    const none = await request(gated).post('/mcp');
    expect(none.status).toBe(401);
    expect(none.headers['www-authenticate']).toContain(`resource_metadata="${METADATA}"`);
  });

  it('keys out of reach: 500 server_error, no challenge, no key URL in the answer', async () => {
    const down = await createTestIssuer({ alg: 'ES256', audience: RESOURCE });
    const downServer = await down.listen();
    const gated = app(
      mcpTokenVerifier({ issuer: downServer.issuer, resource: RESOURCE, onKeySourceEvent: false }),
    );
    const token = await down.sign({ sub: 'a' });
    downServer.faults.set('down');
    try {
      const refused = await request(gated).post('/mcp').set('authorization', `Bearer ${token}`);
      expect(refused.status).toBe(500);
      expect(refused.headers['www-authenticate']).toBeUndefined();
      expect(refused.body).toEqual({
        error: 'server_error',
        error_description: 'the keys needed to verify the token are temporarily unavailable',
      });
      expect(refused.text).not.toContain('127.0.0.1');
    } finally {
      await downServer.close();
    }
  });
});
