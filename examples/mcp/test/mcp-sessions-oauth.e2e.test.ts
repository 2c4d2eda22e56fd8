/**
 * MCP sessions held to the token, with the whole OAuth walk: the MCP SDK v2's own client and its
 * OAuth support (discovery from the 401, dynamic registration, client credentials, RFC 8707
 * resource) against oidc-provider issuing access tokens that live two seconds, and the example's
 * stateful server on Express and Hono. The session's GET stream open at `exp` ends within a second
 * after it; the client, given a new token by the authorization server, finds the session gone.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ClientCredentialsClient } from '../src/client.js';
import {
  type AuthorizationServer,
  SESSION_FRAMEWORKS,
  serveMcpSessions,
  startAuthorizationServer,
} from '../src/index.js';
import { connectClient, type McpSessionClient, payloadOf } from './helpers.js';

const GRANTED = ['notes:read', 'notes:write'];
let as: AuthorizationServer;
const resources: Record<string, readonly string[]> = {};
const closing: (() => Promise<void>)[] = [];
beforeAll(async () => {
  vi.spyOn(console, 'warn').mockImplementation(() => {}); // oidc-provider: Node 20 is not its LTS
  as = await startAuthorizationServer({ scopes: GRANTED, resources, accessTokenTTL: 2 });
}, 20_000);
afterAll(async () => {
  for (const close of closing) await close();
  await as?.close();
  vi.restoreAllMocks();
});

describe.each(SESSION_FRAMEWORKS)('MCP sessions on %s, tokens from oidc-provider', (framework) => {
  it("the SDK client's GET stream open at exp ends within a second after it; the session is gone", async () => {
    const mcp = await serveMcpSessions(framework, { issuer: as.issuer });
    closing.push(() => mcp.close());
    resources[mcp.url] = GRANTED;
    const provider = new ClientCredentialsClient(GRANTED.join(' '));
    const session: McpSessionClient = await connectClient(mcp.url, provider);
    closing.unshift(() => session.close());
    const first = provider.saved!.access_token;
    const { exp, aud } = payloadOf(first);
    expect(aud).toBe(mcp.url);
    expect(session.stream.status).toBe(200);
    expect(mcp.sessions.size).toBe(1);
    const ended = await session.stream.ended;
    expect(ended).toBeGreaterThanOrEqual(exp * 1000);
    expect(ended - exp * 1000).toBeLessThan(1000);
    expect(mcp.sessions.size).toBe(0);
    // The next call: 401 for the expired token, a new token from the authorization server, then
    // 404: the session ended with the token that held it.
    const before = session.sent.length;
    await expect(session.client.listTools()).rejects.toThrow();
    const calls = session.sent.slice(before).filter((s) => s.method === 'POST' && s.url === mcp.url);
    expect(calls.map((s) => s.status)).toEqual([401, 404]);
    expect(provider.saved!.access_token).not.toBe(first);
  });
});
