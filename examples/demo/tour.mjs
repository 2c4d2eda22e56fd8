#!/usr/bin/env node
// The tokengate tour: starts a local OpenID Connect issuer (discovery + JWKS, real ES256 keys) on
// 127.0.0.1, starts each framework's example API configured only by that issuer URL, mints
// tokens, and shows how each request is answered. `--serve` keeps everything running and prints
// curl commands with fresh tokens.
import { createTestIssuer } from '@tokengate/core/testing';

const serve = process.argv.includes('--serve');
const color = process.stdout.isTTY && !process.env.NO_COLOR;
const paint = (code) => (text) => (color ? `\x1b[${code}m${text}\x1b[0m` : String(text));
const [bold, dim, green, yellow, red, cyan] = [
  paint(1),
  paint(2),
  paint(32),
  paint(33),
  paint(31),
  paint(36),
];
const AUDIENCE = 'api://orders';

const FRAMEWORKS = [
  ['Express', '@tokengate/example-express'],
  ['Koa', '@tokengate/example-koa'],
  ['Hono', '@tokengate/example-hono'],
];

async function loadExamples() {
  const loaded = [];
  for (const [name, pkg] of FRAMEWORKS) {
    try {
      loaded.push({ name, example: await import(pkg) });
    } catch (error) {
      if (error?.code !== 'ERR_MODULE_NOT_FOUND') throw error;
    }
  }
  return loaded;
}

function statusText(status) {
  const text = String(status);
  return status < 300 ? green(text) : status < 500 ? yellow(text) : red(text);
}

const ANSI = new RegExp(`${String.fromCharCode(27)}\\[\\d+m`, 'g');
const visible = (text) => String(text).replace(ANSI, '').length;

function table(rows) {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => visible(r[i]))));
  return rows
    .map((row) =>
      row
        .map((cell, i) => String(cell) + ' '.repeat(widths[i] - visible(cell)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

async function main() {
  const idp = await createTestIssuer({ alg: 'ES256', audience: AUDIENCE });
  const server = await idp.listen();
  const examples = await loadExamples();
  const running = [];
  for (const { name, example } of examples) {
    running.push({ name, ...(await example.listen({ issuer: server.issuer, audience: AUDIENCE })) });
  }
  console.log(bold('tokengate tour'));
  console.log(`${dim('identity provider')} ${server.issuer} ${dim('(OIDC discovery + JWKS, ES256)')}`);
  for (const app of running)
    console.log(
      `${dim(app.name.padEnd(17))} ${app.url}  ${dim(`configured with { issuer: '${server.issuer}', audience: '${AUDIENCE}' }`)}`,
    );

  const reader = await idp.sign({
    sub: 'alice',
    name: 'Alice',
    scope: 'orders:read profile',
    roles: ['user'],
  });
  const admin = await idp.sign({
    sub: 'root',
    name: 'Admin',
    scope: 'orders:read orders:write',
    roles: ['admin'],
  });

  if (serve) {
    console.log(`\n${bold('Everything is running. Try:')}`);
    const app = running[0];
    const expired = await idp.sign({ sub: 'alice' }, { defect: 'expired' });
    for (const a of running) console.log(dim(`# ${a.name}: ${a.url}`));
    console.log(`curl -i ${app.url}/api/me`);
    console.log(`curl -i ${app.url}/api/me -H 'Authorization: Bearer ${reader}'`);
    console.log(`curl -i ${app.url}/api/orders -H 'Authorization: Bearer ${reader}'`);
    console.log(`curl -i -X DELETE ${app.url}/api/orders/1001 -H 'Authorization: Bearer ${admin}'`);
    console.log(`curl -i ${app.url}/api/me -H 'Authorization: Bearer ${expired}'`);
    console.log(dim('\nTokens are valid for 5 minutes. Ctrl-C to stop.'));
    return;
  }

  const scenarios = [
    ['no token', 'GET', '/api/me', undefined],
    ['valid token', 'GET', '/api/me', reader],
    ['expired', 'GET', '/api/me', await idp.sign({ sub: 'alice' }, { defect: 'expired' })],
    ['wrong audience', 'GET', '/api/me', await idp.sign({ sub: 'alice' }, { audience: 'api://billing' })],
    ['tampered signature', 'GET', '/api/me', await idp.sign({ sub: 'alice' }, { defect: 'tampered' })],
    ['has scope orders:read', 'GET', '/api/orders', reader],
    ['missing scope', 'GET', '/api/orders', await idp.sign({ sub: 'carol', scope: 'profile' })],
    ['admin role', 'DELETE', '/api/orders/1001', admin],
    ['not an admin', 'DELETE', '/api/orders/1001', reader],
  ];
  let failures = 0;
  for (const app of running) {
    console.log(`\n${bold(cyan(app.name))}`);
    const rows = [[dim('scenario'), dim('request'), dim('status'), dim('WWW-Authenticate / body')]];
    let claims;
    for (const [name, method, path, token] of scenarios) {
      const res = await fetch(app.url + path, {
        method,
        headers: token ? { authorization: `Bearer ${token}` } : {},
      });
      const body = await res.text();
      const challenge = res.headers.get('www-authenticate');
      if (name === 'valid token' && res.ok) claims = JSON.parse(body);
      if (res.status >= 500) failures++;
      rows.push([
        name,
        `${method} ${path}`,
        statusText(res.status),
        challenge ?? dim(body.length > 60 ? `${body.slice(0, 57)}...` : body),
      ]);
    }
    console.log(table(rows));
    if (claims) {
      console.log(dim('  claims of the valid token, as the handler sees them:'));
      console.log(
        table(
          Object.entries(claims).map(([k, v]) => [`  ${k}`, Array.isArray(v) ? v.join(', ') : String(v)]),
        ),
      );
    }
  }
  for (const app of running) await app.close();
  await server.close();
  console.log(
    `\n${dim('identity provider served')} ${server.stats.discovery} ${dim('discovery and')} ${server.stats.jwks} ${dim('JWKS requests')}`,
  );
  process.exit(failures === 0 && running.length > 0 ? 0 : 1);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
