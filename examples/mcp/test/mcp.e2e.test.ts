/**
 * End to end, with software nobody here wrote on both sides: the MCP SDK v2's own client
 * (`@modelcontextprotocol/client`, Streamable HTTP with its OAuth support) against the example MCP
 * server on each framework (the SDK v2 server behind its own gates, tokens verified by
 * `@tokengate/mcp`), and oidc-provider (OpenID Certified) as the authorization server, all on
 * 127.0.0.1: dynamic client registration, client credentials, a token for another resource
 * refused, a tool without its scope answered 403 with `scope=`, the client stepping up.
 */
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { validateResourceMetadata } from '../../../packages/core/test/oauth/rfc9728.js';
import { ClientCredentialsClient, type Exchange, recordingFetch } from '../src/client.js';
import {
  type AuthorizationServer,
  FRAMEWORKS,
  noteCount,
  type RunningMcpServer,
  serveMcp,
  startAuthorizationServer,
} from '../src/index.js';

/** Another protected resource the same authorization server issues tokens for. */
const OTHER = 'https://other.example/mcp';
/** What the authorization server grants for the example's resource: never notes:admin. */
const GRANTED = ['notes:read', 'notes:write'];
const ALL = ['notes:admin', 'notes:read', 'notes:write'];

const payloadOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString());
const headerOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[0]!, 'base64url').toString());
const textOf = (result: { content?: unknown }) => (result.content as { text: string }[])[0]!.text;

let as: AuthorizationServer;
const servers: RunningMcpServer[] = [];
const resources: Record<string, readonly string[]> = { [OTHER]: GRANTED };
beforeAll(async () => {
  // oidc-provider 9 warns that Node 20 is not its supported LTS; it works.
  vi.spyOn(console, 'warn').mockImplementation(() => {});
  as = await startAuthorizationServer({ scopes: ALL, resources });
}, 20_000);
afterAll(async () => {
  for (const s of servers) await s.close();
  await as?.close();
  vi.restoreAllMocks();
});

describe.each(FRAMEWORKS)(
  'MCP SDK v2 over Streamable HTTP on %s, tokens verified by @tokengate/mcp',
  (framework) => {
    it('the SDK client discovers, registers, gets a token for this resource, calls tools, steps up, and is refused what it may not have', async () => {
      const mcp = await serveMcp(framework, as.issuer);
      servers.push(mcp);
      resources[mcp.url] = GRANTED; // the authorization server learns this resource (its port is new)
      const metadataUrl = mcp.url.replace('/mcp', '/.well-known/oauth-protected-resource/mcp');
      const log: Exchange[] = [];
      const provider = new ClientCredentialsClient(ALL.join(' '));
      const client = new Client({ name: 'tokengate-e2e', version: '1.0.0' });
      const transport = new StreamableHTTPClientTransport(new URL(mcp.url), {
        authProvider: provider,
        fetch: recordingFetch(log),
      });
      try {
        // 1. No token: the SDK gate's 401 with scope= (what every request needs) and
        //    resource_metadata; the client follows it to the metadata, the authorization server's
        //    discovery, registration (RFC 7591) and the token endpoint (client credentials, RFC 8707).
        await client.connect(transport);
        const first = log[0]!;
        expect(first).toMatchObject({ method: 'POST', url: mcp.url, status: 401 });
        expect(first.challenge).toBe(
          `Bearer error="invalid_token", error_description="Missing Authorization header", scope="notes:read", resource_metadata="${metadataUrl}"`,
        );
        expect(log.find((e) => e.url === metadataUrl)?.status).toBe(200);
        const document = await (await fetch(metadataUrl)).json();
        expect(validateResourceMetadata(document)).toEqual([]);
        expect(document).toEqual({
          resource: mcp.url,
          authorization_servers: [as.issuer],
          scopes_supported: ALL,
          bearer_methods_supported: ['header'],
          resource_name: 'Notes (tokengate MCP example)',
        });
        expect(
          log.find((e) => e.url.startsWith(`${as.issuer}/.well-known/`) && e.status === 200),
        ).toBeDefined();
        expect(log.find((e) => e.url === `${as.issuer}/reg`)).toMatchObject({ method: 'POST', status: 201 });
        const tokenRequests = () => log.filter((e) => e.url === `${as.issuer}/token`);
        const firstToken = new URLSearchParams(tokenRequests()[0]!.requestBody);
        expect(tokenRequests()[0]!.status).toBe(200);
        expect(firstToken.get('grant_type')).toBe('client_credentials');
        expect(firstToken.get('resource')).toBe(mcp.url);
        expect(firstToken.get('scope')).toBe('notes:read');

        // 2. The token: an RFC 9068 JWT for exactly this resource, with what the 401 asked for.
        const token = provider.saved!.access_token;
        expect(headerOf(token)).toMatchObject({ typ: 'at+jwt', alg: 'ES256' });
        expect(payloadOf(token)).toMatchObject({ iss: as.issuer, aud: mcp.url, scope: 'notes:read' });

        // 3. Tools: listed; whoami reads the typed claims through verifier.authContext.
        const tools = await client.listTools();
        expect(tools.tools.map((t) => t.name).sort()).toEqual([
          'add_note',
          'delete_all_notes',
          'list_notes',
          'whoami',
        ]);
        const who = await client.callTool({ name: 'whoami', arguments: {} });
        expect(JSON.parse(textOf(who))).toEqual({
          client: provider.info!.client_id,
          subject: provider.info!.client_id,
          scopes: ['notes:read'],
        });
        expect(
          JSON.parse(textOf(await client.callTool({ name: 'list_notes', arguments: {} }))),
        ).toBeInstanceOf(Array);

        // 4. add_note needs notes:write: 403 insufficient_scope naming it; the client steps up
        //    (asks for the union of its scopes and the challenge's) and the retried call succeeds.
        const before = log.length;
        const added = await client.callTool({ name: 'add_note', arguments: { text: `from ${framework}` } });
        expect(JSON.parse(textOf(added))).toMatchObject({ added: `from ${framework}` });
        const stepUp = log.slice(before);
        expect(
          stepUp.map((e) => `${e.url === mcp.url ? 'mcp' : e.url.replace(as.issuer, 'as')} ${e.status}`),
        ).toEqual(expect.arrayContaining(['mcp 403', 'as/token 200', 'mcp 200']));
        expect(stepUp.find((e) => e.status === 403)!.challenge).toBe(
          `Bearer error="insufficient_scope", error_description="token lacks a required scope", scope="notes:write", resource_metadata="${metadataUrl}"`,
        );
        const stepUpToken = new URLSearchParams(
          stepUp.find((e) => e.url === `${as.issuer}/token`)!.requestBody,
        );
        expect(stepUpToken.get('scope')!.split(' ').sort()).toEqual(GRANTED);
        expect(payloadOf(provider.saved!.access_token).scope.split(' ').sort()).toEqual(GRANTED);

        // 5. delete_all_notes needs notes:write and notes:admin; this authorization server never
        //    grants notes:admin here, so the step-up gets a token without it, the second 403 ends
        //    the call, and the tool never ran.
        const count = noteCount();
        expect(count).toBeGreaterThan(0);
        const beforeAdmin = log.length;
        await expect(client.callTool({ name: 'delete_all_notes', arguments: {} })).rejects.toThrow(/403/);
        const refusals = log.slice(beforeAdmin).filter((e) => e.status === 403);
        expect(refusals.length).toBe(2);
        for (const refusal of refusals)
          expect(refusal.challenge).toBe(
            `Bearer error="insufficient_scope", error_description="token lacks a required scope", scope="notes:write notes:admin", resource_metadata="${metadataUrl}"`,
          );
        expect(noteCount()).toBe(count);

        // 6. A token the same authorization server issued for another resource: 401 from the gate.
        const basic = Buffer.from(
          `${encodeURIComponent(provider.info!.client_id)}:${encodeURIComponent(provider.info!.client_secret!)}`,
        ).toString('base64');
        const other = await fetch(`${as.issuer}/token`, {
          method: 'POST',
          headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({
            grant_type: 'client_credentials',
            resource: OTHER,
            scope: 'notes:read',
          }),
        });
        expect(other.status).toBe(200);
        const foreign = (await other.json()).access_token as string;
        expect(payloadOf(foreign)).toMatchObject({ aud: OTHER, scope: 'notes:read' });
        const refused = await fetch(mcp.url, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${foreign}`,
            'content-type': 'application/json',
            accept: 'application/json, text/event-stream',
          },
          body: JSON.stringify({
            jsonrpc: '2.0',
            id: 1,
            method: 'tools/call',
            params: { name: 'delete_all_notes' },
          }),
        });
        expect(refused.status).toBe(401);
        expect(refused.headers.get('www-authenticate')).toBe(
          `Bearer error="invalid_token", error_description="token audience is not accepted", scope="notes:read", resource_metadata="${metadataUrl}"`,
        );
        expect(await refused.json()).toEqual({
          error: 'invalid_token',
          error_description: 'token audience is not accepted',
        });
        expect(noteCount()).toBe(count);
      } finally {
        await client.close().catch(() => {});
      }
    }, 30_000);
  },
);

describe('pnpm demo:mcp', () => {
  it('walks the MCP SDK client from a 401 to tool calls, a step-up and a refused one, then exits', async () => {
    const { spawn } = await import('node:child_process');
    const { fileURLToPath } = await import('node:url');
    const demo = fileURLToPath(new URL('../dist/demo.js', import.meta.url));
    const child = spawn(process.execPath, [demo, '--framework', 'fastify'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    clearTimeout(timer);
    expect(code, out).toBe(0);
    expect(out).toMatch(
      /POST http:\/\/127\.0\.0\.1:\d+\/mcp\s+401\n\s+WWW-Authenticate: Bearer error="invalid_token"/,
    );
    expect(out).toContain('list_notes, add_note, whoami, delete_all_notes');
    expect(out).toMatch(/scope="notes:write"/);
    expect(out).toContain('"added":"stepped up"');
    expect(out).toMatch(/scope="notes:write notes:admin"/);
    expect(out).toContain('refused:');
  }, 30_000);
});
