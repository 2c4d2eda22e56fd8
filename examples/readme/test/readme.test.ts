import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createTestIssuer, type TestIssuer, type TestIssuerServer } from '@tokengate/core/testing';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const DOCS = ['README.md', 'docs/recipes.md'];
const SNIPPET = /<!-- snippet: (\S+) -->\s*```\w*\n([\s\S]*?)```/g;
const snippets = DOCS.flatMap((doc) =>
  [...readFileSync(`${root}${doc}`, 'utf8').matchAll(SNIPPET)].map((m) => ({
    doc,
    file: m[1]!,
    block: m[2]!,
  })),
);

describe('code blocks of the README and docs/recipes.md', () => {
  it('are all backed by files', () => {
    expect(snippets.filter((s) => s.doc === 'README.md').length).toBeGreaterThan(3);
    expect(snippets.filter((s) => s.doc === 'docs/recipes.md').length).toBeGreaterThan(3);
  });
  it.each(snippets)('$doc: $file matches its file', ({ file, block }) => {
    expect(block.trim()).toBe(readFileSync(`${root}${file}`, 'utf8').trim());
  });
});

let idp: TestIssuer;
let server: TestIssuerServer;
const SECRET = 'a-32-byte-or-longer-secret-for-hs256!';
beforeAll(async () => {
  idp = await createTestIssuer({ alg: 'RS256', audience: 'api://orders' });
  server = await idp.listen();
});
afterAll(() => server.close());

/**
 * Loads a snippet as a module: a local issuer instead of idp.example.com (and any other
 * `replacements`), an exported app instead of listen(). Returns the module's default export.
 */
async function load(file: string, replacements: Record<string, string> = {}): Promise<any> {
  return (await loadModule(file, replacements)).default;
}

let loads = 0;
async function loadModule(file: string, replacements: Record<string, string> = {}): Promise<any> {
  let source = readFileSync(`${root}${file}`, 'utf8');
  for (const [from, to] of Object.entries(replacements)) source = source.replaceAll(from, to);
  source = source
    .replaceAll("'https://idp.example.com/'", JSON.stringify(server.issuer))
    .replace(/^app\.listen\(3000\);$/m, 'export default app;')
    .replace(/^serve\(\{ fetch: app\.fetch, port: 3000 \}\);$/m, 'export default app;');
  const ext = file.endsWith('.ts') ? 'ts' : 'mjs';
  // A fresh file name per load: the module cache would return an earlier load of the same file.
  const target = `${root}${file.replace(/\.(mjs|ts)$/, '')}.run-${process.pid}-${++loads}.${ext}`;
  writeFileSync(target, source);
  try {
    process.env.JWT_SECRET = SECRET;
    return await import(target);
  } finally {
    rmSync(target);
  }
}

const bearer = (t: string) => ({ Authorization: `Bearer ${t}` });

describe('README snippets run', () => {
  it('express quick start', async () => {
    const app = await load('examples/readme/express-quickstart.mjs');
    const reader = await idp.sign({ sub: 'alice', scope: 'orders:read' });
    expect((await request(app).get('/orders').set(bearer(reader))).body).toEqual({ user: 'alice' });
    expect((await request(app).get('/orders')).status).toBe(401);
    const denied = await request(app).delete('/orders/1').set(bearer(reader));
    expect(denied.status).toBe(403);
    expect(denied.body.code).toBe('insufficient_role');
    expect(
      (
        await request(app)
          .delete('/orders/1')
          .set(bearer(await idp.sign({ roles: ['admin'] })))
      ).status,
    ).toBe(200);
  });

  it('koa quick start', async () => {
    const app = await load('examples/readme/koa-quickstart.mjs');
    const server = app.callback();
    expect(
      (
        await request(server)
          .get('/orders')
          .set(bearer(await idp.sign({ sub: 'kim', scope: 'orders:read' })))
      ).body,
    ).toEqual({
      user: 'kim',
    });
    const denied = await request(server)
      .get('/orders')
      .set(bearer(await idp.sign({ sub: 'kim' })));
    expect(denied.status).toBe(403);
    expect(denied.headers['www-authenticate']).toContain('scope="orders:read"');
  });

  it('hono quick start', async () => {
    const app = await load('examples/readme/hono-quickstart.mjs');
    const ok = await app.request('/api/orders', {
      headers: bearer(await idp.sign({ sub: 'hu', scope: 'orders:read' })),
    });
    expect(await ok.json()).toEqual({ user: 'hu' });
    const none = await app.request('/api/orders');
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer');
  });

  it('decorators', async () => {
    const app = await load('examples/readme/decorators.ts');
    const reader = await idp.sign({ sub: 'rita', scope: 'orders:read', roles: ['user'] });
    expect((await request(app).get('/orders').set(bearer(reader))).body).toEqual({ orders: [], for: 'rita' });
    expect((await request(app).post('/orders/9/refund').set(bearer(reader))).status).toBe(403);
    const support = await idp.sign({ roles: ['support'] });
    expect((await request(app).post('/orders/9/refund').set(bearer(support))).body).toEqual({
      refunded: '9',
    });
    expect((await request(app).get('/orders').set(bearer(support))).status).toBe(403);
    expect((await request(app).get('/orders')).status).toBe(401);
  });

  it('secret', async () => {
    const { SignJWT } = await import('jose');
    const app = await load('examples/readme/secret.mjs');
    const token = await new SignJWT({ sub: 'bob', aud: 'api://orders' })
      .setProtectedHeader({ alg: 'HS256' })
      .setExpirationTime('1m')
      .sign(new TextEncoder().encode(SECRET));
    expect((await request(app).get('/me').set(bearer(token))).body).toMatchObject({ sub: 'bob' });
    // No error handler in this app: a clean JSON 401 with the challenge, not an HTML page.
    const refused = await request(app).get('/me');
    expect(refused.status).toBe(401);
    expect(refused.headers['www-authenticate']).toBe('Bearer');
    expect(refused.body).toMatchObject({ code: 'missing_token' });
  });

  it('ready() in every adapter: resolves with a good issuer, rejects naming the defect', async () => {
    await loadModule('examples/readme/ready.mjs');
    const misconfigured = loadModule('examples/readme/ready.mjs', {
      "'https://idp.example.com/'": JSON.stringify(`${server.issuer}/`),
    });
    await expect(misconfigured).rejects.toThrow(/trailing slash/);
  });

  it('testing with the local issuer (the snippet asserts by itself)', async () => {
    const { execFileSync } = await import('node:child_process');
    const out = execFileSync(process.execPath, [`${root}examples/readme/testing.mjs`], {
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(out).toBe('');
  });

  it('optional credentials', async () => {
    const app = await load('examples/readme/optional.mjs');
    expect((await request(app).get('/feed')).body).toEqual({ personalized: false });
    expect(
      (
        await request(app)
          .get('/feed')
          .set(bearer(await idp.sign({ sub: 'x' })))
      ).body,
    ).toEqual({ personalized: true });
    expect(
      (
        await request(app)
          .get('/feed')
          .set(bearer(await idp.sign({}, { defect: 'expired' })))
      ).status,
    ).toBe(401);
  });
});

describe('OpenAPI snippet', () => {
  it('serves a valid OpenAPI 3.1 document describing the guards it uses', async () => {
    const { Validator } = await import('@seriousme/openapi-schema-validator');
    const app = await load('examples/readme/openapi.mjs');
    const doc = (await request(app).get('/openapi.json')).body;
    expect((await new Validator().validate(doc)).valid).toBe(true);
    expect(doc.components.securitySchemes.bearerAuth).toEqual({
      type: 'openIdConnect',
      openIdConnectUrl: `${server.issuer}/.well-known/openid-configuration`,
    });
    expect(doc.paths['/orders'].get.security).toEqual([{ bearerAuth: ['orders:read'] }]);
    expect(doc.paths['/orders/{id}'].delete.security).toEqual([{ bearerAuth: ['orders:read'] }]);
    const reader = await idp.sign({ scope: 'orders:read' });
    expect((await request(app).get('/orders').set(bearer(reader))).status).toBe(200);
    expect((await request(app).delete('/orders/1').set(bearer(reader))).status).toBe(403);
  });
});

describe('recipes (docs/recipes.md) run', () => {
  it('several issuers', async () => {
    const a = await createTestIssuer({ alg: 'ES256', audience: 'api://orders' });
    const b = await createTestIssuer({ alg: 'EdDSA', audience: 'api://orders' });
    const [serverA, serverB] = [await a.listen(), await b.listen()];
    try {
      const app = await load('examples/readme/multi-tenant.mjs', {
        "'https://tenant-a.example.com/'": JSON.stringify(serverA.issuer),
        "'https://tenant-b.example.com/'": JSON.stringify(serverB.issuer),
      });
      expect(
        (
          await request(app)
            .get('/whoami')
            .set(bearer(await a.sign({ sub: 'x' })))
        ).body,
      ).toEqual({ tenant: serverA.issuer, sub: 'x' });
      expect(
        (
          await request(app)
            .get('/whoami')
            .set(bearer(await b.sign({ sub: 'y' })))
        ).body,
      ).toEqual({ tenant: serverB.issuer, sub: 'y' });
      const stranger = await request(app)
        .get('/whoami')
        .set(bearer(await idp.sign({ sub: 'z' })));
      expect(stranger.status).toBe(401);
      expect(stranger.body.reason).toBe('issuer');
    } finally {
      await serverA.close();
      await serverB.close();
    }
  });

  it('cookies from a browser app', async () => {
    const app = await load('examples/readme/cookies.mjs');
    const token = await idp.sign({ sub: 'web' });
    expect(
      (await request(app).get('/profile').set('Cookie', `theme=dark; access_token=${token}`)).body,
    ).toEqual({ sub: 'web' });
    expect((await request(app).get('/profile').set(bearer(token))).body).toEqual({ sub: 'web' });
    expect((await request(app).get('/profile')).status).toBe(401);
  });

  it('usage accounting per subject', async () => {
    const mod = await loadModule('examples/readme/usage.mjs');
    const token = await idp.sign({ sub: 'counted' });
    await request(mod.default).get('/report').set(bearer(token));
    expect((await request(mod.default).get('/report').set(bearer(token))).body).toEqual({ calls: 2 });
    expect(mod.usage.get('counted')).toBe(2);
  });

  it('structured logging with pino, without the token', async () => {
    const { mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const log = `${mkdtempSync(`${tmpdir()}/tokengate-`)}/log.ndjson`;
    const app = await load('examples/readme/logging.mjs', {
      'pino()': `pino(pino.destination({ dest: ${JSON.stringify(log)}, sync: true }))`,
    });
    const expired = await idp.sign({ sub: 'late' }, { defect: 'expired' });
    expect((await request(app).get('/orders').set(bearer(expired))).status).toBe(401);
    const text = readFileSync(log, 'utf8');
    expect(JSON.parse(text.trim().split('\n').at(-1)!)).toMatchObject({
      code: 'invalid_token',
      reason: 'expired',
      status: 401,
      path: '/orders',
    });
    expect(text).not.toContain(expired);
  });
});
