// docs/recipes.md "Migrating from passport-jwt and jwks-rsa", proven: the usual Express app on
// real passport, passport-jwt and jwks-rsa, the same app on tokengate as the recipe writes it,
// both fetching keys from a local identity provider on 127.0.0.1 (core's test issuer, RS256), and
// the recipe's table of requests sent to both. Every row must answer as the table says; rows
// answering alike must carry the same body when they succeed; the one-line change a row gives
// must bring the old status back. The recipe's list of differences is checked too: passport's
// refusals are a bare `Unauthorized` with no challenge, tokengate's a JSON body with `code` and a
// `WWW-Authenticate` challenge.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import { createTestIssuer, type TestIssuer, type TestIssuerServer } from '@tokengate/core/testing';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { keepOld, recipeTable } from './recipe-table.js';

type Listener = (req: IncomingMessage, res: ServerResponse) => void;
const here = fileURLToPath(new URL('../', import.meta.url));
const HEADING = 'Migrating from passport-jwt and jwks-rsa';

/** Loads a recipe app against `server` (its issuer and JWKS URL), exported instead of listening. */
async function loadApp(file: string, server: TestIssuerServer, edit: (s: string) => string = (s) => s) {
  const source = edit(readFileSync(`${here}${file}`, 'utf8'))
    .replaceAll("'https://idp.example.com/.well-known/jwks.json'", JSON.stringify(server.jwksUri))
    .replaceAll("'https://idp.example.com/'", JSON.stringify(server.issuer))
    .replace(/^app\.listen\(3000\);$/m, 'export default app;');
  expect(source).toContain('export default app;');
  expect(source).not.toContain('idp.example.com');
  const target = `${here}${file.replace('.mjs', '')}.run-${process.pid}-${Math.random().toString(36).slice(2)}.mjs`;
  writeFileSync(target, source);
  try {
    return (await import(target)).default as Listener;
  } finally {
    rmSync(target);
  }
}

interface Setting {
  idp: TestIssuer;
  server: TestIssuerServer;
  /** Sends one valid request to every app, so that each has fetched the keys. */
  warm(): Promise<void>;
}
type Requests = (setting: Setting) => Promise<[path: string, authorization: string | undefined][]>;

const bearer = async (token: Promise<string>) => `Bearer ${await token}`;
/** The requests of the table, by the text of their first cell. */
const REQUESTS: Record<string, Requests> = {
  'public route, no token': async () => [['/', undefined]],
  'protected route, no token': async () => [['/me', undefined]],
  'valid token': async ({ idp }) => [['/me', await bearer(idp.sign({ sub: 'alice' }))]],
  'valid token, `bearer` in lower case': async ({ idp }) => [
    ['/me', `bearer ${await idp.sign({ sub: 'alice' })}`],
  ],
  'expired token': async ({ idp }) => [['/me', await bearer(idp.sign({ sub: 'a' }, { defect: 'expired' }))]],
  'not yet valid (`nbf` in an hour)': async ({ idp }) => [
    ['/me', await bearer(idp.sign({ sub: 'a' }, { notBefore: 3600, expiresIn: '2h' }))],
  ],
  'another audience': async ({ idp }) => [
    ['/me', await bearer(idp.sign({ sub: 'a' }, { audience: 'api://other' }))],
  ],
  'another issuer': async ({ idp }) => [
    ['/me', await bearer(idp.sign({ sub: 'a' }, { issuer: 'https://evil.example/' }))],
  ],
  'signed by another key under the same `kid`': async ({ idp }) => [
    ['/me', await bearer(idp.sign({ sub: 'a' }, { defect: 'wrong-key' }))],
  ],
  'payload changed after signing': async ({ idp }) => [
    ['/me', await bearer(idp.sign({ sub: 'a' }, { defect: 'tampered' }))],
  ],
  'a `kid` the key set does not have': async ({ idp }) => [
    ['/me', await bearer(idp.sign({ sub: 'a' }, { kid: 'no-such-key' }))],
  ],
  'key rotated at the issuer (a new `kid`), after the old one was used': async ({ idp, warm }) => {
    await warm();
    await idp.rotate();
    return [['/me', await bearer(idp.sign({ sub: 'alice' }))]];
  },
  '`alg: none` token': async ({ idp }) => [['/me', await bearer(idp.sign({ sub: 'a' }, { alg: 'none' }))]],
  'HS256 token keyed with the public key': async ({ idp }) => [
    ['/me', await bearer(idp.sign({ sub: 'a' }, { alg: 'HS256' }))],
  ],
  'not a JWT': async () => [['/me', 'Bearer not-a-jwt']],
  'another scheme (`Basic …`)': async () => [['/me', 'Basic YWxpY2U6c2VjcmV0']],
  '`Authorization: Bearer` with no token': async () => [['/me', 'Bearer']],
  'token without `exp`': async ({ idp }) => [
    ['/me', await bearer(idp.sign({ sub: 'alice' }, { expiresIn: null }))],
  ],
  'the JWKS endpoint is down (the app just started)': async ({ idp, server }) => {
    const token = await idp.sign({ sub: 'alice' });
    server.faults.set('down');
    return [['/me', `Bearer ${token}`]];
  },
};

async function answer(listener: Listener, path: string, authorization: string | undefined) {
  const req = request(listener).get(path);
  const res = await (authorization ? req.set('Authorization', authorization) : req);
  return {
    status: res.status,
    text: res.text,
    challenge: res.headers['www-authenticate'] as string | undefined,
    retryAfter: res.headers['retry-after'] as string | undefined,
  };
}

describe(HEADING, () => {
  const rows = recipeTable(HEADING);

  it('the table lists every request of the test, and the test knows every row', () => {
    expect(rows.map((r) => r.request).sort()).toEqual(Object.keys(REQUESTS).sort());
  });

  it.each(rows)('$request: passport-jwt $old, tokengate $migrated', async (row) => {
    // A fresh identity provider per row: key sets are cached per URL, and some rows break it.
    const idp = await createTestIssuer({ alg: 'RS256', audience: 'api://orders' });
    const server = await idp.listen();
    try {
      const old = await loadApp('passport-jwt-before.mjs', server);
      const migrated = await loadApp('passport-jwt-after.mjs', server);
      const kept = row.keep ? await loadApp('passport-jwt-after.mjs', server, keepOld(row.keep)) : undefined;
      const apps = [old, migrated, ...(kept ? [kept] : [])];
      const warm = async () => {
        const token = await idp.sign({ sub: 'warm' });
        for (const app of apps) expect((await answer(app, '/me', `Bearer ${token}`)).status).toBe(200);
      };
      for (const [path, authorization] of await REQUESTS[row.request]!({ idp, server, warm })) {
        const before = await answer(old, path, authorization);
        const after = await answer(migrated, path, authorization);
        expect([before.status, after.status], `${path} ${authorization}`).toEqual([row.old, row.migrated]);
        if (row.old === row.migrated && row.old < 400) expect(after.text).toBe(before.text);
        if (before.status === 401) {
          // The differences the recipe lists: passport answers a bare text, without a challenge.
          expect(before.text).toBe('Unauthorized');
          expect(before.challenge).toBeUndefined();
        }
        if (after.status >= 400) {
          expect(JSON.parse(after.text)).toMatchObject({ code: expect.any(String) });
          if (after.status === 503) expect(Number(after.retryAfter)).toBeGreaterThanOrEqual(1);
          else expect(after.challenge).toMatch(/^Bearer/);
          expect(after.text).not.toContain(server.url);
        }
        if (kept) expect((await answer(kept, path, authorization)).status).toBe(row.old);
      }
    } finally {
      server.faults.set(null);
      await server.close();
    }
  });
});
