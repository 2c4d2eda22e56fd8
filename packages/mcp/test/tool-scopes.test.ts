/**
 * toolScopes through the MCP SDK v2 itself: `createMcpHandler` serving a real `McpServer` whose
 * tools carry `scopeChallenge: toolScopes(...)`, behind the SDK's web-standard gate with
 * mcpTokenVerifier, and the SDK's own client (`Client`, `StreamableHTTPClientTransport`) calling it.
 */
import { Client, InsufficientScopeError, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import {
  createMcpHandler,
  McpServer,
  requireBearerAuth,
  requireScopes,
  type ScopeChallengeHandler,
} from '@modelcontextprotocol/server';
import { resourceMetadataUrl } from '@tokengate/core';
import { createTestIssuer, type TestIssuer, type TestIssuerServer } from '@tokengate/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { mcpTokenVerifier, toolScopes } from '../src/index.js';

const RESOURCE = 'https://mcp.example.com/mcp';
const METADATA = resourceMetadataUrl(RESOURCE);
let idp: TestIssuer;
let server: TestIssuerServer;
beforeAll(async () => {
  idp = await createTestIssuer({ alg: 'ES256', audience: RESOURCE });
  server = await idp.listen();
});
afterAll(() => server.close());

/** An MCP endpoint (gate + handler) whose tools count their runs. */
function endpoint(scopes: ScopeChallengeHandler, { gate = true } = {}) {
  const runs: Record<string, number> = {};
  const ran = (name: string) => () => {
    runs[name] = (runs[name] ?? 0) + 1;
    return { content: [{ type: 'text' as const, text: name }] };
  };
  const handler = createMcpHandler(() => {
    const mcp = new McpServer({ name: 'scopes-test', version: '1.0.0' });
    mcp.registerTool('read', { scopeChallenge: scopes }, ran('read'));
    mcp.registerTool('admin', { scopeChallenge: scopes }, ran('admin'));
    mcp.registerTool('open', { scopeChallenge: scopes }, ran('open'));
    mcp.registerTool('unlisted', { scopeChallenge: scopes }, ran('unlisted'));
    mcp.registerTool(
      'echo',
      { inputSchema: z.object({ text: z.string() }), scopeChallenge: scopes },
      ({ text }) => ({
        content: [{ type: 'text' as const, text }],
      }),
    );
    return mcp;
  });
  const verifier = mcpTokenVerifier({ issuer: server.issuer, resource: RESOURCE });
  const check = requireBearerAuth({ verifier, resourceMetadataUrl: METADATA });
  const fetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const request = new Request(input, init);
    if (!gate) return handler.fetch(request);
    const auth = await check(request);
    return auth instanceof Response ? auth : handler.fetch(request, { authInfo: auth });
  };
  return { runs, fetch };
}

const call = (name: string, token?: string, id = 1) =>
  new Request(RESOURCE, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: {} } }),
  });
const insufficient = (scope: string) =>
  `Bearer error="insufficient_scope", error_description="token lacks a required scope", scope="${scope}", resource_metadata="${METADATA}"`;

const TABLE = {
  read: 'notes:read',
  admin: ['notes:read', 'notes:admin'],
  open: [],
  echo: 'notes:read',
} as const;

describe('toolScopes: the SDK answers a tools/call without the tool’s scopes with its RFC 6750 403', () => {
  it('a missing scope: 403 insufficient_scope naming it, with resource_metadata; the tool never runs', async () => {
    const { runs, fetch } = endpoint(toolScopes(TABLE));
    const token = await idp.sign({ sub: 'a', scope: 'other' });
    const refused = await fetch(call('read', token));
    expect(refused.status).toBe(403);
    expect(refused.headers.get('www-authenticate')).toBe(insufficient('notes:read'));
    expect(await refused.json()).toEqual({
      error: 'insufficient_scope',
      error_description: 'token lacks a required scope',
    });
    expect(runs.read).toBeUndefined();
  });

  it('an array: all its scopes are needed, and the challenge names all of them', async () => {
    const { runs, fetch } = endpoint(toolScopes(TABLE));
    const partial = await fetch(call('admin', await idp.sign({ sub: 'a', scope: 'notes:read' })));
    expect(partial.status).toBe(403);
    expect(partial.headers.get('www-authenticate')).toBe(insufficient('notes:read notes:admin'));
    expect(runs.admin).toBeUndefined();
    const full = await fetch(call('admin', await idp.sign({ sub: 'a', scope: 'notes:admin notes:read' })));
    expect(full.status).toBe(200);
    expect(runs.admin).toBe(1);
  });

  it('with the scope the tool runs; [] needs none; other methods are not touched', async () => {
    const { runs, fetch } = endpoint(toolScopes(TABLE));
    const reader = await idp.sign({ sub: 'a', scope: 'notes:read' });
    expect((await fetch(call('read', reader))).status).toBe(200);
    const nobody = await idp.sign({ sub: 'a' });
    expect((await fetch(call('open', nobody))).status).toBe(200);
    expect(runs).toEqual({ read: 1, open: 1 });
    const list = await fetch(
      new Request(call('read', nobody), {
        body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }),
      }),
    );
    expect(list.status).toBe(200);
  });

  it('a batch with one refused call is refused whole: no tool of it runs', async () => {
    const { runs, fetch } = endpoint(toolScopes(TABLE));
    const token = await idp.sign({ sub: 'a', scope: 'notes:read' });
    const batch = new Request(call('read', token), {
      body: JSON.stringify([
        { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'read', arguments: {} } },
        { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'admin', arguments: {} } },
      ]),
    });
    const answer = await fetch(batch);
    expect(answer.status).not.toBe(200);
    expect(runs).toEqual({});
  });

  it('fails closed: a tool missing from the table is a 500 and does not run', async () => {
    const { runs, fetch } = endpoint(toolScopes(TABLE));
    const answer = await fetch(
      call('unlisted', await idp.sign({ sub: 'a', scope: 'notes:read notes:admin' })),
    );
    expect(answer.status).toBe(500);
    expect(runs.unlisted).toBeUndefined();
  });

  it('fails closed: without a gate (no AuthInfo) a scoped tool is refused, not run', async () => {
    const { runs, fetch } = endpoint(toolScopes(TABLE), { gate: false });
    const answer = await fetch(call('read'));
    expect(answer.status).toBe(403);
    expect(answer.headers.get('www-authenticate')).toBe(
      'Bearer error="insufficient_scope", error_description="token lacks a required scope", scope="notes:read"',
    );
    expect(runs.read).toBeUndefined();
    expect((await fetch(call('open'))).status).toBe(200);
    // The SDK's own per-tool `requireScopes` leaves such a call to the gate, and the tool runs.
    const sdk = endpoint(requireScopes('notes:read'), { gate: false });
    expect((await sdk.fetch(call('read'))).status).toBe(200);
    expect(sdk.runs.read).toBe(1);
  });

  it('the SDK client (no OAuth provider to step up with) surfaces the challenge as InsufficientScopeError', async () => {
    const { runs, fetch } = endpoint(toolScopes(TABLE));
    const token = await idp.sign({ sub: 'a', scope: 'notes:read' });
    const client = new Client({ name: 'scopes-test-client', version: '1.0.0' });
    const transport = new StreamableHTTPClientTransport(new URL(RESOURCE), {
      fetch,
      requestInit: { headers: { authorization: `Bearer ${token}` } },
    });
    await client.connect(transport);
    try {
      const echoed = await client.callTool({ name: 'echo', arguments: { text: 'hi' } });
      expect(echoed.content).toEqual([{ type: 'text', text: 'hi' }]);
      const error = await client.callTool({ name: 'admin', arguments: {} }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InsufficientScopeError);
      expect(error).toMatchObject({
        requiredScope: 'notes:read notes:admin',
        resourceMetadataUrl: new URL(METADATA),
      });
      expect(runs.admin).toBeUndefined();
    } finally {
      await client.close();
    }
  });
});

describe('toolScopes: start-up checks', () => {
  it.each([
    [null],
    [[]],
    [{ t: 'two words' }],
    [{ t: ['ok', 'quo"te'] }],
    [{ t: [''] }],
    [{ t: 42 }],
    [{ t: [42] }],
  ])('%o is a TypeError', (table) => {
    expect(() => toolScopes(table as never)).toThrow(TypeError);
  });
});
