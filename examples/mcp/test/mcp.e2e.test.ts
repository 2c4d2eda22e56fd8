/**
 * End to end, with software nobody here wrote on both sides: the MCP SDK's own client
 * (Streamable HTTP transport with its OAuth support) against the example MCP server on each
 * framework, and oidc-provider (OpenID Certified) as the authorization server, all on 127.0.0.1.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { validateResourceMetadata } from '../../../packages/core/test/oauth/rfc9728.js';
import { ClientCredentialsClient, type Exchange, recordingFetch } from '../src/client.js';
import {
  type AuthorizationServer,
  FRAMEWORKS,
  type RunningMcpServer,
  serveMcp,
  startAuthorizationServer,
} from '../src/index.js';

/** Another protected resource the same authorization server issues tokens for. */
const OTHER = 'https://other.example/mcp';
const GRANTED = ['notes:read', 'notes:write'];

const payloadOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString());
const headerOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[0]!, 'base64url').toString());

let as: AuthorizationServer;
const servers: RunningMcpServer[] = [];
const resources: Record<string, readonly string[]> = { [OTHER]: GRANTED };
beforeAll(async () => {
  // oidc-provider 9 warns that Node 20 is not its supported LTS; it works.
  vi.spyOn(console, 'warn').mockImplementation(() => {});
  as = await startAuthorizationServer({ scopes: [...GRANTED, 'notes:admin'], resources });
}, 20_000);
afterAll(async () => {
  for (const s of servers) await s.close();
  await as?.close();
  vi.restoreAllMocks();
});

describe.each(FRAMEWORKS)('MCP over Streamable HTTP on %s, protected by tokengate', (framework) => {
  it('the MCP SDK client discovers, authorizes, calls tools, steps up and is refused a foreign token', async () => {
    const mcp = await serveMcp(framework, as.issuer);
    servers.push(mcp);
    resources[mcp.url] = GRANTED; // the authorization server learns this resource (its port is new)
    const metadataUrl = mcp.url.replace('/mcp', '/.well-known/oauth-protected-resource/mcp');
    const log: Exchange[] = [];
    const provider = new ClientCredentialsClient(GRANTED.join(' '));
    const client = new Client({ name: 'tokengate-e2e', version: '1.0.0' });
    const transport = new StreamableHTTPClientTransport(new URL(mcp.url), {
      authProvider: provider,
      fetch: recordingFetch(log),
    });
    try {
      // 1. No token: 401 with resource_metadata; the client follows it to the metadata, the
      //    authorization server's discovery, registration and the token endpoint.
      await client.connect(transport);
      const first = log[0]!;
      expect(first).toMatchObject({ method: 'POST', url: mcp.url, status: 401 });
      expect(first.challenge).toBe(`Bearer resource_metadata="${metadataUrl}"`);
      const metadata = log.find((e) => e.url === metadataUrl);
      expect(metadata?.status).toBe(200);
      const document = await (await fetch(metadataUrl)).json();
      expect(validateResourceMetadata(document)).toEqual([]);
      expect(document).toEqual({
        resource: mcp.url,
        authorization_servers: [as.issuer],
        scopes_supported: ['notes:admin', 'notes:read', 'notes:write'],
        bearer_methods_supported: ['header'],
        resource_name: 'Notes (tokengate MCP example)',
      });
      const discovery = log.find((e) => e.url.startsWith(`${as.issuer}/.well-known/`) && e.status === 200);
      expect(discovery).toBeDefined();
      expect(log.find((e) => e.url === `${as.issuer}/reg`)).toMatchObject({ method: 'POST', status: 201 });
      const tokenRequest = log.find((e) => e.url === `${as.issuer}/token`);
      expect(tokenRequest?.status).toBe(200);
      expect(new URLSearchParams(tokenRequest!.requestBody).get('resource')).toBe(mcp.url);

      // 2. The token is a JWT access token for exactly this resource.
      const token = provider.saved!.access_token;
      expect(headerOf(token)).toMatchObject({ typ: 'at+jwt', alg: 'ES256' });
      expect(payloadOf(token)).toMatchObject({ iss: as.issuer, aud: mcp.url, scope: GRANTED.join(' ') });

      // 3. List and call tools; whoami reads the typed claims.
      const tools = await client.listTools();
      expect(tools.tools.map((t) => t.name).sort()).toEqual([
        'add_note',
        'delete_all_notes',
        'list_notes',
        'whoami',
      ]);
      const added = await client.callTool({ name: 'add_note', arguments: { text: `from ${framework}` } });
      expect(JSON.parse((added.content as { text: string }[])[0]!.text)).toMatchObject({
        added: `from ${framework}`,
      });
      const list = await client.callTool({ name: 'list_notes', arguments: {} });
      expect((list.content as { text: string }[])[0]!.text).toContain(`from ${framework}`);
      const who = await client.callTool({ name: 'whoami', arguments: {} });
      expect(JSON.parse((who.content as { text: string }[])[0]!.text)).toEqual({
        client: provider.info!.client_id,
        subject: provider.info!.client_id,
        scopes: GRANTED,
        audience: mcp.url,
      });

      // 4. A tool whose scope the token lacks: 403 insufficient_scope naming it. The SDK steps
      //    up (asks for the scope again); this authorization server never grants notes:admin
      //    for the resource, so the second 403 ends the call.
      await expect(client.callTool({ name: 'delete_all_notes', arguments: {} })).rejects.toThrow(/403/);
      const refusals = log.filter((e) => e.status === 403);
      expect(refusals.length).toBeGreaterThanOrEqual(1);
      for (const refusal of refusals) {
        expect(refusal.challenge).toBe(
          `Bearer error="insufficient_scope", error_description="token lacks a required scope", scope="notes:admin", resource_metadata="${metadataUrl}"`,
        );
      }
      expect(log.filter((e) => e.url === `${as.issuer}/token`).length).toBe(2); // the step-up attempt

      // 5. A token the same authorization server issued for another resource is refused.
      const basic = Buffer.from(
        `${encodeURIComponent(provider.info!.client_id)}:${encodeURIComponent(provider.info!.client_secret!)}`,
      ).toString('base64');
      const other = await fetch(`${as.issuer}/token`, {
        method: 'POST',
        headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'client_credentials', resource: OTHER, scope: 'notes:read' }),
      });
      expect(other.status).toBe(200);
      const foreign = (await other.json()).access_token as string;
      expect(payloadOf(foreign).aud).toBe(OTHER);
      const refused = await fetch(mcp.url, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${foreign}`,
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
        },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'list_notes' } }),
      });
      expect(refused.status).toBe(401);
      expect(refused.headers.get('www-authenticate')).toBe(
        `Bearer error="invalid_token", error_description="token audience is not accepted", resource_metadata="${metadataUrl}"`,
      );
      expect(await refused.json()).toMatchObject({ code: 'invalid_token', reason: 'audience' });
    } finally {
      await client.close().catch(() => {});
    }
  }, 20_000);
});

describe('pnpm demo:mcp', () => {
  it('walks the MCP SDK client from a 401 to a tool call and a refused step-up, then exits', async () => {
    const { spawn } = await import('node:child_process');
    const { fileURLToPath } = await import('node:url');
    const demo = fileURLToPath(new URL('../dist/demo.js', import.meta.url));
    const child = spawn(process.execPath, [demo, '--framework', 'hono'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    clearTimeout(timer);
    expect(code, out).toBe(0);
    expect(out).toMatch(
      /POST http:\/\/127\.0\.0\.1:\d+\/mcp\s+401\n\s+WWW-Authenticate: Bearer resource_metadata=/,
    );
    expect(out).toContain('list_notes, add_note, whoami, delete_all_notes');
    expect(out).toMatch(/scope="notes:admin"/);
    expect(out).toContain('refused:');
  }, 20_000);
});
