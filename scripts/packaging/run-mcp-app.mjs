// Runs the MCP quick start (a Hono app on the MCP SDK v2 with @tokengate/mcp) against a local
// identity provider: node run-mcp-app.mjs <snippet file>. Exits non-zero on any wrong answer. Run
// from examples/readme by its test, and from the fresh projects (installed from the packed
// tarballs, with the SDK v2 from the registry) by scripts/check-packages.mjs.
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { getRequestListener } from '@hono/node-server';
import { createTestIssuer } from '@tokengate/core/testing';

const [file] = process.argv.slice(2);
const RESOURCE = 'https://mcp.example.com/mcp';
const METADATA = 'https://mcp.example.com/.well-known/oauth-protected-resource/mcp';
const idp = await createTestIssuer({ alg: 'ES256', audience: RESOURCE });
const provider = await idp.listen();
const source = readFileSync(file, 'utf8')
  .replaceAll("'https://idp.example.com/'", JSON.stringify(provider.issuer))
  .replace(/^serve\(\{ fetch: app\.fetch, port: 3000 \}\);$/m, 'export default app;');
assert.match(
  source,
  /export default app;/,
  `${file}: no serve({ fetch: app.fetch, port: 3000 }) line to replace`,
);
const target = `${file}.run.mjs`;
writeFileSync(target, source);
const { default: app } = await import(new URL(target, `file://${process.cwd()}/`).href);
rmSync(target);

const server = createServer(getRequestListener(app.fetch)).listen(0, '127.0.0.1');
await new Promise((resolve) => server.once('listening', resolve));
const base = `http://127.0.0.1:${server.address().port}`;
const call = (tool, token) =>
  fetch(`${base}/mcp`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'tools/call',
      params: { name: tool, arguments: {} },
    }),
    signal: AbortSignal.timeout(10_000),
  });

try {
  const none = await call('list_notes');
  assert.equal(none.status, 401, 'no token');
  assert.match(none.headers.get('www-authenticate') ?? '', new RegExp(`resource_metadata="${METADATA}"`));
  const metadata = await fetch(`${base}/.well-known/oauth-protected-resource/mcp`);
  assert.equal(metadata.status, 200, 'RFC 9728 metadata');
  assert.deepEqual((await metadata.json()).authorization_servers, [provider.issuer]);
  const foreign = await call(
    'list_notes',
    await idp.sign({ sub: 'a', scope: 'notes:read' }, { audience: 'https://other.example/mcp' }),
  );
  assert.equal(foreign.status, 401, 'a token for another resource');
  assert.match(foreign.headers.get('www-authenticate') ?? '', /error="invalid_token"/);
  const reader = await idp.sign({ sub: 'a', client_id: 'c', scope: 'notes:read' });
  const ok = await call('list_notes', reader);
  assert.equal(ok.status, 200, 'the tool with its scope');
  assert.match(await ok.text(), /"text":"\[\]"/);
  const denied = await call('add_note', reader);
  assert.equal(denied.status, 403, 'a tool without its scope');
  assert.equal(
    denied.headers.get('www-authenticate'),
    `Bearer error="insufficient_scope", error_description="token lacks a required scope", scope="notes:write", resource_metadata="${METADATA}"`,
  );
  console.log(`ok   MCP app (${file})`);
} finally {
  server.close();
  server.closeAllConnections();
  await provider.close();
}
