// docs/decorators.md's routing-controllers snippet, run: the file is loaded as a module with a
// local issuer in place of idp.example.com and the app exported instead of listening, then driven
// with supertest as the guide describes it; and, as the guide says, on Koa with the adapter and
// `createKoaServer` swapped in.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import { createTestIssuer, type TestIssuer, type TestIssuerServer } from '@tokengate/core/testing';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

type Listener = (req: IncomingMessage, res: ServerResponse) => void;
const here = fileURLToPath(new URL('../', import.meta.url));

let idp: TestIssuer;
let server: TestIssuerServer;
beforeAll(async () => {
  idp = await createTestIssuer({ alg: 'RS256', audience: 'api://orders' });
  server = await idp.listen();
});
afterAll(() => server.close());

let loads = 0;
async function load(file: string, edit: (source: string) => string): Promise<any> {
  const source = edit(readFileSync(`${here}${file}`, 'utf8'))
    .replaceAll("'https://idp.example.com/'", JSON.stringify(server.issuer))
    .replace(/^app\.listen\(3000\);$/m, 'export default app;');
  expect(source).toContain('export default app;');
  const target = `${here}${file.replace(/\.ts$/, '')}.run-${process.pid}-${++loads}.ts`;
  writeFileSync(target, source);
  try {
    return (await import(target)).default;
  } finally {
    rmSync(target);
  }
}

const bearer = (t: string) => ({ Authorization: `Bearer ${t}` });

const onKoa = (source: string) => {
  expect(source).toContain("from '@tokengate/express'");
  return source
    .replace("from '@tokengate/express'", "from '@tokengate/koa'")
    .replaceAll('createExpressServer', 'createKoaServer');
};

describe.each([
  ['Express', (s: string) => s, (app: any) => app as Listener],
  ['Koa', onKoa, (app: any) => app.callback() as Listener],
])('docs/decorators.md: routing-controllers-express.ts on %s', (_name, edit, listener) => {
  let app: Listener;
  beforeAll(async () => {
    app = listener(await load('routing-controllers-express.ts', edit));
  });

  it('@Authorized(scope) and @CurrentUser()', async () => {
    const reader = await idp.sign({ sub: 'rita', scope: 'orders:read' });
    const ok = await request(app).get('/orders').set(bearer(reader));
    expect([ok.status, ok.body]).toEqual([200, { orders: [], for: 'rita' }]);
    const none = await request(app).get('/orders');
    expect([none.status, none.headers['www-authenticate'], none.body.code]).toEqual([
      401,
      'Bearer',
      'missing_token',
    ]);
    const other = await request(app)
      .get('/orders')
      .set(bearer(await idp.sign({ sub: 'rita' })));
    expect([other.status, other.body.code]).toEqual([403, 'insufficient_scope']);
    expect(other.headers['www-authenticate']).toContain('scope="orders:read"');
  });

  it("['orders:write', 'role:support'] needs both entries", async () => {
    const both = await idp.sign({ scope: 'orders:write', roles: ['support'] });
    const ok = await request(app).post('/orders/9/refund').set(bearer(both)).send({ reason: 'late' });
    expect([ok.status, ok.body]).toEqual([200, { refunded: '9', reason: 'late' }]);
    const scopeOnly = await idp.sign({ scope: 'orders:write' });
    const a = await request(app).post('/orders/9/refund').set(bearer(scopeOnly)).send({});
    expect([a.status, a.body.code]).toEqual([403, 'insufficient_role']);
    const roleOnly = await idp.sign({ roles: ['support'] });
    const b = await request(app).post('/orders/9/refund').set(bearer(roleOnly)).send({});
    expect([b.status, b.body.code]).toEqual([403, 'insufficient_scope']);
    const forged = await request(app)
      .post('/orders/9/refund')
      .set(bearer(scopeOnly))
      .send({ auth: { roles: ['support'] }, state: { auth: { roles: ['support'] } } });
    expect(forged.status).toBe(403);
  });
});
