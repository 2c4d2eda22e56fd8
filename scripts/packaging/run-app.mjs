// Runs one README quick-start app, installed from the packed tarballs, against a local identity
// provider: node run-app.mjs <snippet file> <express|koa|hono|fastify|nestjs> <path>. Exits non-zero on any
// wrong answer. Copied into each fresh project by scripts/check-packages.mjs.
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createTestIssuer } from '@tokengate/core/testing';

const [file, framework, path] = process.argv.slice(2);
const idp = await createTestIssuer({ alg: 'ES256', audience: 'api://orders' });
const provider = await idp.listen();
const source = readFileSync(file, 'utf8')
  .replaceAll("'https://idp.example.com/'", JSON.stringify(provider.issuer))
  .replace(/^app\.listen\(3000\);$/m, 'export default app;')
  .replace(/^serve\(\{ fetch: app\.fetch, port: 3000 \}\);$/m, 'export default app;')
  .replace(/^await app\.listen\(\{ port: 3000 \}\);$/m, 'export default app;')
  .replace(/^await app\.listen\(3000\);$/m, 'export default app;');
assert.match(source, /export default app;/, `${file}: no app.listen(3000) / serve(…) line to replace`);
const target = `${file}.run.mjs`;
writeFileSync(target, source);
const { default: app } = await import(new URL(target, `file://${process.cwd()}/`).href);
rmSync(target);

let listener;
if (framework === 'express') listener = app;
else if (framework === 'koa') listener = app.callback();
else if (framework === 'fastify') {
  await app.ready();
  listener = (req, res) => app.routing(req, res);
} else if (framework === 'nestjs') {
  // A Nest app from NestFactory.create (platform-express): initialised, then its Express app.
  app.useLogger(false);
  await app.init();
  listener = app.getHttpAdapter().getInstance();
} else listener = (await import('@hono/node-server')).getRequestListener(app.fetch);
const server = createServer(listener).listen(0, '127.0.0.1');
await new Promise((resolve) => server.once('listening', resolve));
const url = `http://127.0.0.1:${server.address().port}${path}`;
const get = (token) =>
  fetch(url, {
    headers: token ? { authorization: `Bearer ${token}` } : {},
    signal: AbortSignal.timeout(10_000),
  });

try {
  const none = await get();
  assert.equal(none.status, 401, 'no token');
  assert.match(none.headers.get('www-authenticate') ?? '', /^Bearer/);
  const ok = await get(await idp.sign({ sub: 'alice', scope: 'orders:read' }));
  assert.equal(ok.status, 200, 'valid token with the scope');
  assert.equal((await ok.json()).user, 'alice');
  const denied = await get(await idp.sign({ sub: 'alice' }));
  assert.equal(denied.status, 403, 'valid token without the scope');
  assert.match(denied.headers.get('www-authenticate') ?? '', /insufficient_scope/);
  const expired = await get(await idp.sign({ sub: 'alice', scope: 'orders:read' }, { defect: 'expired' }));
  assert.equal(expired.status, 401, 'expired token');
  assert.match(expired.headers.get('www-authenticate') ?? '', /invalid_token/);
  console.log(`ok   ${framework} app (${file})`);
} finally {
  server.close();
  server.closeAllConnections();
  await provider.close();
}
