import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createTestIssuer, type TestIssuer, type TestIssuerServer } from '@tokengate/core/testing';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs script, shared with scripts/check-packages.mjs and scripts/sync-readme.mjs
import { brokenLinks, snippetDocuments, unmarkedCodeBlocks } from '../../../scripts/packaging/documents.mjs';
// @ts-expect-error: a plain .mjs script, shared with scripts/check-packages.mjs
import { importedPackages, installLines } from '../../../scripts/packaging/install-lines.mjs';

const root = fileURLToPath(new URL('../../../', import.meta.url));
/**
 * Where the snippets run from: examples/readme (the workspace packages), or, when
 * scripts/check-packages.mjs sets TOKENGATE_SNIPPET_DIR, a fresh strict pnpm project that
 * installed the packed tarballs (the snippets then resolve exactly what users install).
 */
const snippetDir = process.env.TOKENGATE_SNIPPET_DIR ?? `${root}examples/readme`;
const snippetPath = (file: string) => `${snippetDir}/${file.split('/').at(-1)}`;
/** README.md (the front page), the guides docs/*.md, and packages/*\/README.md. */
const DOCS: string[] = snippetDocuments(root);
const SNIPPET = /<!-- snippet: (\S+) -->\s*```\w*\n([\s\S]*?)```/g;
const snippets = DOCS.flatMap((doc) =>
  [...readFileSync(`${root}${doc}`, 'utf8').matchAll(SNIPPET)].map((m) => ({
    doc,
    file: m[1]!,
    block: m[2]!,
  })),
);

describe('code blocks of the README and the guides (docs/*.md)', () => {
  it('are all backed by files', () => {
    // The front page shows one quick start per framework; the topics live in the guides.
    expect(snippets.filter((s) => s.doc === 'README.md').map((s) => s.file)).toEqual(
      expect.arrayContaining([
        'examples/readme/express-quickstart.mjs',
        'examples/readme/koa-quickstart.mjs',
        'examples/readme/hono-quickstart.mjs',
      ]),
    );
    expect(snippets.filter((s) => s.doc === 'docs/recipes.md').length).toBeGreaterThan(3);
    expect(
      snippets.filter((s) => s.doc.startsWith('docs/') && s.doc !== 'docs/recipes.md').length,
    ).toBeGreaterThan(10);
  });
  it.each(snippets)('$doc: $file matches its file', ({ file, block }) => {
    expect(block.trim()).toBe(readFileSync(`${root}${file}`, 'utf8').trim());
  });
  it.each(DOCS.filter((doc) => !doc.startsWith('packages/')))(
    '%s: no JavaScript or TypeScript block escapes being a snippet file',
    (doc) => {
      expect(unmarkedCodeBlocks(readFileSync(`${root}${doc}`, 'utf8'))).toEqual([]);
    },
  );
});

describe('links', () => {
  it('the check finds what it must: missing files and headings, folders, anchors TypeDoc spells differently, relative links in package READMEs', async () => {
    const { mkdirSync, mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const dir = `${mkdtempSync(`${tmpdir()}/tokengate-links-`)}/`;
    mkdirSync(`${dir}docs`);
    mkdirSync(`${dir}packages/x`, { recursive: true });
    mkdirSync(`${dir}examples/app`, { recursive: true });
    writeFileSync(`${dir}SECURITY.md`, '# Security\n');
    writeFileSync(`${dir}CONTRIBUTING.md`, '# Contributing\n');
    writeFileSync(
      `${dir}README.md`,
      '# Front\n\n## Try it (Node ≥ 20)\n\n[ok](docs/guide.md#a-b) [ok](SECURITY.md)\n',
    );
    writeFileSync(
      `${dir}docs/guide.md`,
      [
        '# Guide',
        '## A `b`',
        '## A b',
        '[ok](#a-b-1) [ok](../README.md#front) [no heading](#c) [no file](other.md)',
        '[folder](../examples/app) [typedoc](../README.md#try-it-node--20)',
        '```md',
        '[inside a code block](nowhere.md)',
        '```',
      ].join('\n\n'),
    );
    writeFileSync(
      `${dir}packages/x/README.md`,
      '[relative](../../README.md) [absolute](https://github.com/tokengate/tokengate/blob/main/docs/guide.md#zzz)\n',
    );
    const found: string[] = brokenLinks(dir);
    expect(found.map((line) => line.split(' — ')[0])).toEqual([
      'docs/guide.md: #c',
      'docs/guide.md: other.md',
      'docs/guide.md: ../examples/app',
      'docs/guide.md: ../README.md#try-it-node--20',
      'packages/x/README.md: ../../README.md',
      'packages/x/README.md: https://github.com/tokengate/tokengate/blob/main/docs/guide.md#zzz',
    ]);
    expect(found[3]).toContain('TypeDoc');
    rmSync(dir, { recursive: true });
  });

  it("every relative link and anchor of README.md, docs/*.md, SECURITY.md and CONTRIBUTING.md resolves (under GitHub's anchors and TypeDoc's), and package READMEs link by absolute URL", () => {
    expect(brokenLinks(root)).toEqual([]);
  });
});

type InstallLine = { section: string; dev: boolean; packages: string[]; line: string };
describe('install lines', () => {
  /** The document's `npm install` lines, and the section (## heading) of each snippet. */
  const sectionsOf = (doc: string) => {
    const text = readFileSync(`${root}${doc}`, 'utf8');
    const lines: InstallLine[] = installLines(text);
    const sectionOf = new Map<string, string>();
    let section = '';
    for (const line of text.split('\n')) {
      if (line.startsWith('## ')) section = line.slice(3).trim();
      const m = /<!-- snippet: (\S+) -->/.exec(line);
      if (m) sectionOf.set(m[1]!, section);
    }
    return { lines, sectionOf };
  };
  const readme = sectionsOf('README.md');
  const frameworkLine = (adapter: string) =>
    readme.lines.find((l) => l.section === 'Install' && !l.dev && l.packages.includes(adapter));

  it.each(['@tokengate/express', '@tokengate/koa', '@tokengate/hono', '@tokengate/fastify'])(
    'the Install section names %s with the core and its framework',
    (adapter) => {
      const line = frameworkLine(adapter);
      expect(line?.packages).toContain('@tokengate/core');
      expect(line?.packages).toContain(adapter.replace('@tokengate/', ''));
    },
  );

  // Under pnpm (and Yarn PnP) an app can import only what it lists: every package a snippet
  // imports must be on the install line of the adapter it uses, or on an install line of its
  // own section (or its package README).
  // A migration's "before" file is the app on the old library: it installs nothing new.
  const installed = snippets.filter((s) => !/-before\./.test(s.file));
  it.each(installed)('$doc: $file imports only what the install lines name', ({ doc, file }) => {
    const source = readFileSync(`${root}${file}`, 'utf8');
    const imported: string[] = importedPackages(source);
    const own = sectionsOf(doc);
    const section = own.sectionOf.get(file);
    const allowed = new Set<string>();
    for (const adapter of imported.filter((p) => /^@tokengate\/(express|koa|hono|fastify|nestjs)$/.test(p)))
      for (const p of frameworkLine(adapter)?.packages ?? []) allowed.add(p);
    for (const line of own.lines)
      if (!line.dev && (doc.startsWith('packages/') || line.section === section))
        for (const p of line.packages) allowed.add(p);
    expect(imported.filter((p) => !allowed.has(p))).toEqual([]);
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
  let source = readFileSync(snippetPath(file), 'utf8');
  for (const [from, to] of Object.entries(replacements)) source = source.replaceAll(from, to);
  source = source
    .replaceAll("'https://idp.example.com/'", JSON.stringify(server.issuer))
    .replace(/^app\.listen\(3000\);$/m, 'export default app;')
    .replace(/^serve\(\{ fetch: app\.fetch, port: 3000 \}\);$/m, 'export default app;')
    .replace(/^await app\.listen\(\{ port: 3000 \}\);$/m, 'export default app;')
    .replace(/^await app\.listen\(3000\);$/m, 'export default app;');
  const ext = file.endsWith('.ts') ? 'ts' : 'mjs';
  // A fresh file name per load: the module cache would return an earlier load of the same file.
  const target = `${snippetPath(file).replace(/\.(mjs|ts)$/, '')}.run-${process.pid}-${++loads}.${ext}`;
  writeFileSync(target, source);
  try {
    process.env.JWT_SECRET = SECRET;
    return await import(target);
  } finally {
    rmSync(target);
  }
}

const bearer = (t: string) => ({ Authorization: `Bearer ${t}` });

describe('README and guide snippets run', () => {
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

  it('fastify quick start', async () => {
    const app = await load('examples/readme/fastify-quickstart.mjs');
    const ok = await app.inject({
      url: '/orders',
      headers: bearer(await idp.sign({ sub: 'fay', scope: 'orders:read' })),
    });
    expect(ok.json()).toEqual({ user: 'fay' });
    const none = await app.inject('/orders');
    expect(none.statusCode).toBe(401);
    expect(none.headers['www-authenticate']).toBe('Bearer');
    expect(none.json()).toMatchObject({ code: 'missing_token', error: 'unauthorized' });
    const denied = await app.inject({ url: '/orders', headers: bearer(await idp.sign({ sub: 'fay' })) });
    expect(denied.statusCode).toBe(403);
    expect(denied.headers['www-authenticate']).toContain('scope="orders:read"');
    await app.close();
  });

  it('nestjs quick start (and the filter of docs/frameworks.md)', async () => {
    const app = await load('examples/readme/nestjs-quickstart.ts');
    const { AllExceptionsFilter } = await loadModule('examples/readme/nestjs-filter.ts');
    app.useLogger(false);
    app.useGlobalFilters(new AllExceptionsFilter(app.getHttpAdapter()));
    await app.init();
    try {
      const http = () => request(app.getHttpServer());
      const reader = await idp.sign({ sub: 'nia', scope: 'orders:read' });
      expect((await http().get('/orders').set(bearer(reader))).body).toEqual({ user: 'nia' });
      const none = await http().get('/orders');
      expect(none.status).toBe(401);
      expect(none.headers['www-authenticate']).toBe('Bearer');
      expect(none.body).toMatchObject({ code: 'missing_token', error: 'unauthorized' });
      // The class requirement and the method's both apply.
      const admin = await idp.sign({ sub: 'nia', roles: ['admin'] });
      expect((await http().delete('/orders/1').set(bearer(admin))).status).toBe(403);
      expect((await http().delete('/orders/1').set(bearer(reader))).body.code).toBe('insufficient_role');
      const both = await idp.sign({ scope: 'orders:read', roles: ['admin'] });
      expect((await http().delete('/orders/1').set(bearer(both))).body).toEqual({ deleted: '1' });
    } finally {
      await app.close();
    }
  });

  it('nestjs forRootAsync with ConfigService, credentialsRequired: false', async () => {
    // Nest as the snippet resolves it (from the tarballs under scripts/check-packages.mjs): an app
    // made by another copy of @nestjs/core would not recognise the snippet's exceptions.
    const { createRequire } = await import('node:module');
    const { pathToFileURL } = await import('node:url');
    const core = createRequire(`${snippetDir}/snippet.js`).resolve('@nestjs/core');
    const { NestFactory } = await import(pathToFileURL(core).href);
    process.env.OIDC_ISSUER = server.issuer;
    process.env.API_AUDIENCE = 'api://orders';
    const { AppModule } = await loadModule('examples/readme/nestjs-config.ts');
    const app = await NestFactory.create(AppModule, { logger: false });
    await app.init();
    try {
      const http = () => request(app.getHttpServer());
      expect((await http().get('/feed')).body).toEqual({ personalized: false });
      expect(
        (
          await http()
            .get('/feed')
            .set(bearer(await idp.sign({ sub: 'x' })))
        ).body,
      ).toEqual({
        personalized: true,
      });
      expect(
        (
          await http()
            .get('/feed')
            .set(bearer(await idp.sign({}, { defect: 'expired' })))
        ).status,
      ).toBe(401);
      expect((await http().get('/health')).text).toBe('ok');
    } finally {
      await app.close();
      delete process.env.OIDC_ISSUER;
      delete process.env.API_AUDIENCE;
    }
  });

  it('typed claims: the schema output, the Register view and the payload agree at run time', async () => {
    const app = await load('examples/readme/typed.ts');
    const iat = Math.floor(Date.now() / 1000) - 10;
    const token = await idp.sign({ sub: 'tia', tenant: 'acme', plan: 'pro' }, { issuedAt: iat });
    const ok = await request(app).get('/plan').set(bearer(token));
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({ plan: 'pro', tenant: 'acme', issuedAt: iat });
    for (const claims of [
      { sub: 'tia', plan: 'pro' },
      { sub: 'tia', tenant: 'acme', plan: 'gold' },
    ]) {
      const refused = await request(app)
        .get('/plan')
        .set(bearer(await idp.sign(claims)));
      expect(refused.status).toBe(401);
      expect(refused.headers['www-authenticate']).toMatch(
        /^Bearer error="invalid_token", error_description="token claims do not match the schema/,
      );
    }
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

  it('dpop: a DPoP-bound token with its proof passes; the same token as Bearer, or a replay, does not', async () => {
    const { createDpopClient } = await import('@tokengate/core/testing');
    const app = await load('examples/readme/dpop.mjs');
    const client = await createDpopClient();
    const token = await idp.sign({ sub: 'alice' }, { dpop: client });
    const proof = await client.proof({
      method: 'GET',
      url: 'https://api.example.com/orders',
      accessToken: token,
    });
    const dpop = { Authorization: `DPoP ${token}`, DPoP: proof };
    const ok = await request(app).get('/orders').set(dpop);
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({ sub: 'alice', jkt: client.jkt });
    expect((await request(app).get('/orders').set(dpop)).body).toMatchObject({
      code: 'invalid_dpop_proof',
      reason: 'replayed',
    });
    const asBearer = await request(app).get('/orders').set(bearer(token));
    expect(asBearer.status).toBe(401);
    expect(asBearer.headers['www-authenticate']).toMatch(/^DPoP error="invalid_token"/);
  });

  it('introspection: an opaque token is asked about, its answer is the context', async () => {
    const { startFakeIntrospection } = await import(
      '../../../packages/core/test/oauth/introspection/fake-server.js'
    );
    const as = await startFakeIntrospection();
    try {
      as.answers.set('an-opaque-token', {
        active: true,
        client_id: 'app',
        scope: 'orders:read',
        aud: 'https://api.example.com/',
        exp: Math.floor(Date.now() / 1000) + 300,
      });
      const app = await load('examples/readme/introspection.mjs', {
        "clientId: 'orders-api',": `endpoint: ${JSON.stringify(as.url)}, clientId: 'orders-api',`,
        'process.env.INTROSPECTION_SECRET': "'a secret'",
      });
      const ok = await request(app).get('/orders').set(bearer('an-opaque-token'));
      expect(ok.body).toEqual({ tokenType: 'opaque', client: 'app', scopes: ['orders:read'] });
      const unknown = await request(app).get('/orders').set(bearer('another-token'));
      expect(unknown.status).toBe(401);
      expect(unknown.body).toMatchObject({ reason: 'inactive' });
    } finally {
      await as.close();
    }
  });

  it('testing with the local issuer (the snippet asserts by itself)', async () => {
    const { execFileSync } = await import('node:child_process');
    const out = execFileSync(process.execPath, [snippetPath('examples/readme/testing.mjs')], {
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

describe('revocation across instances (real redis-server)', () => {
  it('a token revoked by /logout is refused, cached or not', async () => {
    const { RedisServer } = await import('../../../packages/redis/test/helpers.js');
    const redis = await RedisServer.start();
    process.env.REDIS_URL = redis.url;
    try {
      const mod = await loadModule('examples/readme/redis-revocation.mjs', {
        'const revocation =': 'export const revocation =',
      });
      try {
        const token = bearer(await idp.sign({ sub: 'leaving', jti: 'j-1' }));
        expect((await request(mod.default).get('/me').set(token)).body).toEqual({ sub: 'leaving' });
        expect((await request(mod.default).post('/logout').set(token)).status).toBe(204);
        const after = await request(mod.default).get('/me').set(token);
        expect(after.status).toBe(401);
        expect(after.headers['www-authenticate']).toContain('invalid_token');
      } finally {
        await mod.revocation.close();
      }
    } finally {
      await redis.kill();
    }
  });
});

describe('key sets shared through Redis (real redis-server)', () => {
  it('a second instance verifies its first token without fetching keys', async () => {
    const { RedisServer } = await import('../../../packages/redis/test/helpers.js');
    const redis = await RedisServer.start();
    process.env.REDIS_URL = redis.url;
    const instances: any[] = [];
    try {
      const token = bearer(await idp.sign({ sub: 'alice' }));
      for (let i = 0; i < 2; i++) {
        instances.push(
          await loadModule('examples/readme/key-cache-redis.mjs', {
            'const keyCache =': 'export const keyCache =',
          }),
        );
      }
      const [first, second] = instances;
      await first.keyCache.ready();
      const before = server.stats.discovery + server.stats.jwks;
      expect((await request(first.default).get('/me').set(token)).body).toEqual({ sub: 'alice' });
      const fetched = server.stats.discovery + server.stats.jwks;
      expect((await request(second.default).get('/me').set(token)).body).toEqual({ sub: 'alice' });
      expect(server.stats.discovery + server.stats.jwks).toBe(fetched);
      expect(fetched - before).toBe(2); // the first instance: discovery and JWKS
    } finally {
      await Promise.all(instances.map((mod) => mod.keyCache.close()));
      await redis.kill();
    }
  });
});

describe('package README snippets run', () => {
  it('core verifier, on Fetch API requests', async () => {
    const { handle } = await loadModule('examples/readme/core-verifier.mjs');
    const call = (authorization?: string) =>
      handle(new Request('http://127.0.0.1/orders', { headers: authorization ? { authorization } : {} }));
    const ok = await call(`Bearer ${await idp.sign({ sub: 'core', scope: 'orders:read' })}`);
    expect(await ok.json()).toEqual({ user: 'core', scopes: ['orders:read'] });
    const none = await call();
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer');
    const expired = await call(`Bearer ${await idp.sign({}, { defect: 'expired' })}`);
    expect(expired.status).toBe(401);
    expect((await expired.json()).code).toBe('invalid_token');
    expect((await call('Bearer')).status).toBe(400);
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

describe('identity providers (docs/identity-providers.md) run', () => {
  it('a preset: any Entra tenant, through the fetch option to Microsoft’s documented key URL', async () => {
    const { startProvider, providerKey } = await import('../../../packages/core/test/presets/provider.js');
    const microsoft = await startProvider();
    try {
      const key = await providerKey('entra-key');
      microsoft.serve('https://login.microsoftonline.com/common/discovery/v2.0/keys', { keys: [key.jwk] });
      (globalThis as Record<string, unknown>).tokengateTestFetch = microsoft.fetch;
      const app = await load('examples/readme/presets.mjs', {
        '...entra(': 'fetch: globalThis.tokengateTestFetch, ...entra(',
      });
      const now = Math.floor(Date.now() / 1000);
      const token = (tid: string, extra: Record<string, unknown> = {}) =>
        key.sign({
          iss: `https://login.microsoftonline.com/${tid}/v2.0`,
          tid,
          aud: '6e74172b-be56-4843-9ff4-e66a39bb12e3',
          sub: 'u',
          scp: 'Orders.Read',
          ver: '2.0',
          iat: now,
          exp: now + 600,
          ...extra,
        });
      const tid = '72f988bf-86f1-41af-91ab-2d7cd011db47';
      expect(
        (
          await request(app)
            .get('/orders')
            .set(bearer(await token(tid)))
        ).body,
      ).toEqual({ sub: 'u', tenant: tid });
      const idToken = await request(app)
        .get('/orders')
        .set(bearer(await token(tid, { scp: undefined })));
      expect([idToken.status, idToken.body.reason]).toEqual([401, 'claims']);
      const otherTid = await request(app)
        .get('/orders')
        .set(bearer(await token(tid, { tid: 'x' })));
      expect([otherTid.status, otherTid.body.reason]).toEqual([401, 'issuer']);
    } finally {
      await microsoft.close();
    }
  });

  it('issuers as a function', async () => {
    const app = await load('examples/readme/issuer-resolver.mjs', {
      "'https://acme.idp.example/'": JSON.stringify(server.issuer),
    });
    const ok = await request(app)
      .get('/whoami')
      .set(bearer(await idp.sign({ aud: 'api://orders' })));
    expect(ok.body).toEqual({ tenant: server.issuer });
    const wrongAud = await request(app)
      .get('/whoami')
      .set(bearer(await idp.sign({ aud: 'other' })));
    expect(wrongAud.body.reason).toBe('audience');
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

describe('back-channel logout (docs/revocation.md, real redis-server)', () => {
  it("a logout token from the provider ends the session: its tokens are refused, other sessions' are not", async () => {
    const { RedisServer } = await import('../../../packages/redis/test/helpers.js');
    const redis = await RedisServer.start();
    process.env.REDIS_URL = redis.url;
    try {
      const mod = await loadModule('examples/readme/backchannel-logout.mjs', {
        'const revocation =': 'export const revocation =',
        'const replay =': 'export const replay =',
      });
      try {
        const session = bearer(await idp.sign({ sub: 'alice', sid: 'session-1' }));
        const other = bearer(await idp.sign({ sub: 'alice', sid: 'session-2' }));
        expect((await request(mod.default).get('/me').set(session)).body).toEqual({
          sub: 'alice',
          sid: 'session-1',
        });
        const logoutToken = await idp.sign(
          { sid: 'session-1', events: { 'http://schemas.openid.net/event/backchannel-logout': {} } },
          { audience: 'my-client-id', typ: 'logout+jwt', expiresIn: '2m' },
        );
        const logout = await request(mod.default)
          .post('/backchannel-logout')
          .type('form')
          .send({ logout_token: logoutToken });
        expect(logout.status).toBe(200);
        expect(logout.headers['cache-control']).toBe('no-store');
        const after = await request(mod.default).get('/me').set(session);
        expect(after.status).toBe(401);
        expect(after.headers['www-authenticate']).toContain('error="invalid_token"');
        expect((await request(mod.default).get('/me').set(other)).status).toBe(200);
        const again = await request(mod.default)
          .post('/backchannel-logout')
          .type('form')
          .send({ logout_token: logoutToken });
        expect(again.status).toBe(400);
        expect(again.body).toMatchObject({ error: 'invalid_request' });
      } finally {
        await Promise.all([mod.revocation.close(), mod.replay.close()]);
      }
    } finally {
      await redis.kill();
    }
  });
});
