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
  ['Fastify', '@tokengate/example-fastify'],
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
    // Tokens for copy-pasting live an hour; the scenarios below use short-lived ones.
    const hour = { expiresIn: '1h' };
    const [longReader, longAdmin, noScope] = await Promise.all([
      idp.sign({ sub: 'alice', name: 'Alice', scope: 'orders:read profile', roles: ['user'] }, hour),
      idp.sign({ sub: 'root', name: 'Admin', scope: 'orders:read orders:write', roles: ['admin'] }, hour),
      idp.sign({ sub: 'carol', scope: 'profile' }, hour),
    ]);
    const expired = await idp.sign({ sub: 'alice' }, { defect: 'expired' });
    const auth = (token) => ` -H 'Authorization: Bearer ${token}'`;
    const commands = [
      ['no token → 401 with a challenge', 'GET', '/api/me', undefined],
      ['alice → 200 and her claims', 'GET', '/api/me', longReader],
      ['alice has orders:read → 200', 'GET', '/api/orders', longReader],
      ['carol lacks orders:read → 403 insufficient_scope', 'GET', '/api/orders', noScope],
      ['an admin deletes an order → 200', 'DELETE', '/api/orders/1001', longAdmin],
      ['alice is not an admin → 403', 'DELETE', '/api/orders/1001', longReader],
      ['an expired token → 401 invalid_token', 'GET', '/api/me', expired],
    ];
    console.log(`\n${bold('Everything is running. Try:')}`);
    for (const app of running) {
      console.log(`\n${bold(cyan(`# ${app.name}`))} ${dim(app.url)}`);
      for (const [label, method, path, token] of commands) {
        console.log(dim(`# ${app.name}: ${label}`));
        console.log(
          `curl -i${method === 'GET' ? '' : ` -X ${method}`} ${app.url}${path}${token ? auth(token) : ''}`,
        );
      }
    }
    console.log(dim('\nTokens are valid for 1 hour. Ctrl-C to stop.'));
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
