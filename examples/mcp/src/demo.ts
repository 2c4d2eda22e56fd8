#!/usr/bin/env node
// The MCP tour: an authorization server (oidc-provider) and the example MCP server on 127.0.0.1,
// and the MCP SDK v2's own client finding its way in from nothing but the server URL, stepping up
// for a tool that needs more, and refused one it may never have.
//   pnpm demo:mcp [--framework express|hono|fastify|koa] [--serve]
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { startAuthorizationServer } from './authorization-server.js';
import { ClientCredentialsClient, type Exchange, recordingFetch } from './client.js';
import { FRAMEWORKS, type Framework, serveMcp } from './index.js';

const args = process.argv.slice(2);
const framework = (args[args.indexOf('--framework') + 1] ?? 'express') as Framework;
if (args.includes('--framework') && !FRAMEWORKS.includes(framework)) {
  console.error(`--framework must be one of ${FRAMEWORKS.join(', ')}`);
  process.exit(2);
}
const serve = args.includes('--serve');
const resources: Record<string, readonly string[]> = {};
console.warn = () => {}; // oidc-provider's development warnings (Node 20, in-memory adapter, parsed body)
const as = await startAuthorizationServer({
  scopes: ['notes:read', 'notes:write', 'notes:admin'],
  resources,
});
const mcp = await serveMcp(framework, as.issuer);
resources[mcp.url] = ['notes:read', 'notes:write']; // notes:admin is never granted for this resource

console.log(`authorization server  ${as.issuer}  (oidc-provider)`);
console.log(`MCP server            ${mcp.url}  (${framework} + tokengate)\n`);
const show = (e: Exchange) =>
  console.log(
    `  ${e.method.padEnd(4)} ${e.url.padEnd(70)} ${e.status}${e.challenge ? `\n       WWW-Authenticate: ${e.challenge}` : ''}`,
  );
const provider = new ClientCredentialsClient('notes:read notes:write notes:admin');
const client = new Client({ name: 'tokengate-demo', version: '1.0.0' });
const transport = new StreamableHTTPClientTransport(new URL(mcp.url), {
  authProvider: provider,
  fetch: recordingFetch([], show),
});
let code = 0;
try {
  console.log('connect (no token yet):');
  await client.connect(transport);
  const aud = JSON.parse(
    Buffer.from(provider.saved!.access_token.split('.')[1]!, 'base64url').toString(),
  ).aud;
  console.log(`\ntoken audience: ${aud}  scope: ${provider.saved!.scope}\n`);
  console.log('tools/list:');
  console.log(`  ${(await client.listTools()).tools.map((t) => t.name).join(', ')}\n`);
  console.log('tools/call whoami (typed claims):');
  const who = await client.callTool({ name: 'whoami', arguments: {} });
  console.log(`  ${(who.content as { text: string }[])[0]!.text}\n`);
  console.log('tools/call add_note (needs notes:write: the client steps up):');
  const added = await client.callTool({ name: 'add_note', arguments: { text: 'stepped up' } });
  console.log(`  ${(added.content as { text: string }[])[0]!.text}  scope now: ${provider.saved!.scope}\n`);
  console.log('tools/call delete_all_notes (needs notes:admin, never granted here):');
  await client.callTool({ name: 'delete_all_notes', arguments: {} }).then(
    () => {
      console.log('  unexpectedly allowed');
      code = 1;
    },
    (error: Error) => console.log(`  refused: ${error.message}`),
  );
} catch (error) {
  console.error(error);
  code = 1;
}
await client.close().catch(() => {});
if (serve) {
  console.log(`\nserving; metadata: ${mcp.url.replace('/mcp', '/.well-known/oauth-protected-resource/mcp')}`);
  console.log('Ctrl-C to stop');
  process.once('SIGINT', () => void Promise.all([mcp.close(), as.close()]).then(() => process.exit(code)));
} else {
  await Promise.all([mcp.close(), as.close()]);
  process.exitCode = code;
}
