// docs/recipes.md's migrations, proven: a real app on express-jwt, koa-jwt, hono/jwt and @fastify/jwt, the same
// app migrated as the recipe says, and the recipe's table of requests sent to both. Every row
// the recipe says answers alike must answer alike (status and body); every row it marks as a
// difference must differ exactly as it says, and where it gives a way to keep the old answer,
// the migrated app with that one line changed must answer as the old one did.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import { getRequestListener } from '@hono/node-server';
import jwt from 'jsonwebtoken';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { keepOld, recipeTable } from './recipe-table.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const here = fileURLToPath(new URL('../', import.meta.url));
// Both apps, for the table; 64 bytes, so that HS512 is possible where a recipe enables it.
const SECRET = 'a-new-random-secret-of-64-bytes-so-that-hs512-also-has-its-share';
const SHORT = 'shhhhhhared-secret'; // express-jwt's README example: 18 bytes
const OTHER = 'another-secret-of-at-least-32-bytes-long!!';

type Listener = (req: IncomingMessage, res: ServerResponse) => void;
type Framework = 'express' | 'koa' | 'hono' | 'fastify';

/** Loads a recipe's app file as a module (listen/serve replaced by an export), as a Node listener. */
async function loadApp(file: string, framework: Framework, edit: (s: string) => string = (s) => s) {
  const source = edit(readFileSync(`${here}${file}`, 'utf8'))
    .replace(/^app\.listen\(3000\);$/m, 'export default app;')
    .replace(/^serve\(\{ fetch: app\.fetch, port: 3000 \}\);$/m, 'export default app;')
    .replace(/^await app\.listen\(\{ port: 3000 \}\);$/m, 'export default app;');
  expect(source).toContain('export default app;');
  const target = `${here}${file.replace('.mjs', '')}.run-${process.pid}-${Math.random().toString(36).slice(2)}.mjs`;
  writeFileSync(target, source);
  try {
    const app = (await import(target)).default;
    if (framework === 'express') return app as Listener;
    if (framework === 'koa') return app.callback() as Listener;
    if (framework === 'fastify') {
      await app.ready();
      return ((req, res) => app.routing(req, res)) as Listener;
    }
    return getRequestListener(app.fetch) as unknown as Listener;
  } finally {
    rmSync(target);
  }
}

const now = () => Math.floor(Date.now() / 1000);
/** The requests of the tables, by the text of their first cell; tokens minted by jsonwebtoken. */
const REQUESTS: Record<
  string,
  (protectedPath: string, publicPaths: string[]) => [string, string | undefined][]
> = {
  'public route, no token': (_p, pub) => pub.map((path) => [path, undefined]),
  'protected route, no token': (p) => [[p, undefined]],
  'valid token': (p) => [[p, `Bearer ${jwt.sign({ sub: 'alice' }, SECRET, { expiresIn: '1h' })}`]],
  'valid token on a public route': (_p, pub) =>
    pub.map((path) => [path, `Bearer ${jwt.sign({ sub: 'alice' }, SECRET, { expiresIn: '1h' })}`]),
  'expired token': (p) => [[p, `Bearer ${jwt.sign({ sub: 'alice', exp: now() - 3600 }, SECRET)}`]],
  'not yet valid (`nbf`)': (p) => [
    [p, `Bearer ${jwt.sign({ sub: 'alice', nbf: now() + 3600 }, SECRET, { expiresIn: '2h' })}`],
  ],
  'wrong secret': (p) => [[p, `Bearer ${jwt.sign({ sub: 'alice' }, OTHER, { expiresIn: '1h' })}`]],
  'HS384 token': (p) => [
    [p, `Bearer ${jwt.sign({ sub: 'alice' }, SECRET, { expiresIn: '1h', algorithm: 'HS384' })}`],
  ],
  '`alg: none` token': (p) => [[p, `Bearer ${jwt.sign({ sub: 'alice' }, '', { algorithm: 'none' })}`]],
  'not a JWT': (p) => [[p, 'Bearer not-a-jwt']],
  'another scheme (`Basic …`)': (p) => [[p, 'Basic YWxpY2U6c2VjcmV0']],
  'token without `exp` (jsonwebtoken without `expiresIn`)': (p) => [
    [p, `Bearer ${jwt.sign({ sub: 'alice' }, SECRET)}`],
  ],
  '`Authorization: Bearer` with no token': (p) => [[p, 'Bearer']],
};

async function answer(listener: Listener, path: string, authorization: string | undefined) {
  const req = request(listener).get(path);
  const res = await (authorization ? req.set('Authorization', authorization) : req);
  return {
    status: res.status,
    body: res.text,
    challenge: res.headers['www-authenticate'] as string | undefined,
  };
}

const RECIPES: {
  heading: string;
  framework: Framework;
  before: string;
  after: string;
  protectedPath: string;
  publicPaths: string[];
}[] = [
  {
    heading: 'Migrating from express-jwt',
    framework: 'express',
    before: 'express-jwt-before.mjs',
    after: 'express-jwt-after.mjs',
    protectedPath: '/me',
    publicPaths: ['/', '/health'],
  },
  {
    heading: 'Migrating from koa-jwt',
    framework: 'koa',
    before: 'koa-jwt-before.mjs',
    after: 'koa-jwt-after.mjs',
    protectedPath: '/me',
    publicPaths: ['/', '/public/docs'],
  },
  {
    heading: 'Migrating from hono/jwt (and hono/jwk)',
    framework: 'hono',
    before: 'hono-jwt-before.mjs',
    after: 'hono-jwt-after.mjs',
    protectedPath: '/api/me',
    publicPaths: ['/'],
  },
  {
    heading: 'Migrating from @fastify/jwt',
    framework: 'fastify',
    before: 'fastify-jwt-before.mjs',
    after: 'fastify-jwt-after.mjs',
    protectedPath: '/me',
    publicPaths: ['/'],
  },
];

afterEach(() => {
  process.env.JWT_SECRET = SECRET;
});

describe.each(RECIPES)('$heading', (recipe) => {
  const rows = recipeTable(recipe.heading);

  it('the table lists every request of the test, and the test knows every row', () => {
    expect(rows.map((r) => r.request).sort()).toEqual(Object.keys(REQUESTS).sort());
  });

  it.each(rows)('$request: old $old, migrated $migrated', async (row) => {
    process.env.JWT_SECRET = SECRET;
    const old = await loadApp(recipe.before, recipe.framework);
    const migrated = await loadApp(recipe.after, recipe.framework);
    const kept = row.keep ? await loadApp(recipe.after, recipe.framework, keepOld(row.keep)) : undefined;
    for (const [path, authorization] of REQUESTS[row.request]!(recipe.protectedPath, recipe.publicPaths)) {
      const before = await answer(old, path, authorization);
      const after = await answer(migrated, path, authorization);
      expect([before.status, after.status], `${path} ${authorization}`).toEqual([row.old, row.migrated]);
      // Hono and Fastify: only error bodies differ (listed in the recipes).
      if (
        row.old === row.migrated &&
        ((recipe.framework !== 'hono' && recipe.framework !== 'fastify') || row.old < 400)
      )
        expect(after.body).toBe(before.body);
      if (after.status === 401) expect(after.challenge).toMatch(/^Bearer/);
      if (kept) {
        const again = await answer(kept, path, authorization);
        expect(again.status).toBe(row.old);
        expect(again.body).toBe(before.body);
      }
    }
  });

  it("refuses the old library's short example secret at start-up, naming the option, not the secret", async () => {
    process.env.JWT_SECRET = SHORT;
    const error = await loadApp(recipe.after, recipe.framework).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toMatch(/secret/);
    expect((error as Error).message).toMatch(/32/);
    expect((error as Error).message).not.toContain(SHORT);
    // The old app started with it: the difference is the migration's, not the test's.
    await expect(loadApp(recipe.before, recipe.framework)).resolves.toBeTypeOf('function');
  });
});

// Issue 26 finding 12: the option table's code is run as written. hono/jwt's `headerName`
// header carries `Bearer <token>`, like `Authorization`; the mapping must strip the scheme.
describe('option table: hono/jwt headerName → getToken, as the recipe writes it', () => {
  const recipe = readFileSync(`${root}docs/recipes.md`, 'utf8');
  const cell = /^\| `headerName: 'X-Token'`[^|]*\| `(getToken: [^`]+)` \|$/m.exec(recipe)?.[1];

  it.each([
    ['Bearer <token>', 200],
    ['bearer  <token>', 200],
    ['<token> (no scheme)', 401],
  ])('X-Token: %s → %i from both', async (shape, status) => {
    expect(cell, 'the recipe row for headerName').toBeDefined();
    const { Hono } = await import('hono');
    const { jwt: honoJwt } = await import('hono/jwt');
    const { jwtAuth } = await import('@tokengate/hono');
    const mapping = new Function(`return { ${cell} };`)();
    const token = jwt.sign({ sub: 'alice' }, SECRET, { expiresIn: '1h' });
    const value = shape.replace('<token>', token).replace(' (no scheme)', '');
    const answers: number[] = [];
    for (const middleware of [
      honoJwt({ secret: SECRET, alg: 'HS256', headerName: 'X-Token' }),
      jwtAuth({ secret: SECRET, ...mapping }),
    ]) {
      const app = new Hono();
      app.use('/api/*', middleware as never);
      app.get('/api/me', (c) => c.text('ok'));
      answers.push((await app.request('/api/me', { headers: { 'X-Token': value } })).status);
    }
    expect(answers).toEqual([status, status]);
  });
});
