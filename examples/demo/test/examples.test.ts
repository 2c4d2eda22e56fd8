import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Validator } from '@seriousme/openapi-schema-validator';
import { createTestIssuer, type TestIssuer, type TestIssuerServer } from '@tokengate/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const EXAMPLES = ['express', 'koa', 'hono', 'fastify'] as const;
const tour = fileURLToPath(new URL('../tour.mjs', import.meta.url));

let idp: TestIssuer;
let server: TestIssuerServer;
beforeAll(async () => {
  idp = await createTestIssuer({ alg: 'EdDSA', audience: 'api://orders' });
  server = await idp.listen();
});
afterAll(() => server.close());

describe.each(EXAMPLES)('examples/%s', (name) => {
  it('serves its public, authenticated, scoped and admin routes', async () => {
    const example = await import(`@tokengate/example-${name}`);
    const app = await example.listen({ issuer: server.issuer, audience: 'api://orders' });
    try {
      const call = async (method: string, path: string, claims?: Record<string, unknown>) => {
        const headers: Record<string, string> = claims
          ? { authorization: `Bearer ${await idp.sign(claims)}` }
          : {};
        const res = await fetch(app.url + path, { method, headers });
        return { status: res.status, body: await res.json().catch(() => null) };
      };
      expect(await call('GET', '/health')).toEqual({ status: 200, body: { ok: true } });
      expect((await call('GET', '/api/me')).status).toBe(401);
      expect(
        await call('GET', '/api/me', { sub: 'ann', name: 'Ann', scope: 'a b', roles: ['user'] }),
      ).toEqual({
        status: 200,
        body: { sub: 'ann', name: 'Ann', scopes: ['a', 'b'], roles: ['user'] },
      });
      expect((await call('GET', '/api/orders', { sub: 'ann', scope: 'profile' })).status).toBe(403);
      expect((await call('GET', '/api/orders', { sub: 'ann', scope: 'orders:read' })).status).toBe(200);
      expect((await call('DELETE', '/api/orders/7', { sub: 'ann', roles: ['user'] })).status).toBe(403);
      expect(await call('DELETE', '/api/orders/7', { sub: 'root', roles: ['admin'] })).toEqual({
        status: 200,
        body: { deleted: '7', by: 'root' },
      });
      const doc = (await call('GET', '/openapi.json')).body;
      expect((await new Validator().validate(doc)).valid).toBe(true);
      expect(doc.components.securitySchemes.bearerAuth).toEqual({
        type: 'openIdConnect',
        openIdConnectUrl: `${server.issuer}/.well-known/openid-configuration`,
      });
      expect(doc.paths['/api/orders'].get.security).toEqual([{ bearerAuth: ['orders:read'] }]);
      expect(doc.paths['/api/orders/{id}'].delete.security).toEqual([{ bearerAuth: [] }]);
    } finally {
      await app.close();
    }
  });
});

function run(args: string[], until?: RegExp): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [tour, ...args], { env: { ...process.env, NO_COLOR: '1' } });
    let out = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.stdout.on('data', (chunk) => {
      out += chunk;
      if (until?.test(out)) child.kill('SIGTERM');
    });
    child.stderr.on('data', (chunk) => {
      out += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

describe('the demo tour', () => {
  it('plays every scenario against the four frameworks and exits 0', async () => {
    const { code, out } = await run([]);
    expect(code).toBe(0);
    for (const framework of ['Express', 'Koa', 'Hono', 'Fastify']) expect(out).toContain(`\n${framework}\n`);
    expect(out.match(/^no token\s+GET \/api\/me\s+401\s+Bearer realm="orders"$/gm)).toHaveLength(4);
    expect(out.match(/^expired\s+.*401\s+.*error="invalid_token"/gm)).toHaveLength(4);
    expect(out.match(/^missing scope\s+.*403\s+.*scope="orders:read"/gm)).toHaveLength(4);
    expect(out.match(/^admin role\s+DELETE \S+\s+200/gm)).toHaveLength(4);
    expect(out.match(/^not an admin\s+DELETE \S+\s+403/gm)).toHaveLength(4);
    expect(out).toContain('served 1 discovery and 1 JWKS requests');
  });

  it('with --serve, keeps running and prints labelled curl commands for every framework, with 1-hour tokens, that answer as labelled', async () => {
    const child = spawn(process.execPath, [tour, '--serve'], { env: { ...process.env, NO_COLOR: '1' } });
    try {
      const out = await new Promise<string>((resolve, reject) => {
        let text = '';
        const timer = setTimeout(
          () => reject(new Error(`no "Ctrl-C to stop" within 20 s:\n${text}`)),
          20_000,
        );
        child.stdout.on('data', (chunk) => {
          text += chunk;
          if (/Ctrl-C to stop/.test(text)) {
            clearTimeout(timer);
            resolve(text);
          }
        });
        child.on('error', reject);
      });
      const urls = new Map<string, string>();
      for (const framework of ['Express', 'Koa', 'Hono', 'Fastify']) {
        const url = new RegExp(`^# ${framework} (http://127\\.0\\.0\\.1:\\d+)$`, 'm').exec(out)?.[1];
        expect(url, framework).toBeDefined();
        urls.set(framework, url!);
      }
      expect(new Set(urls.values()).size).toBe(4);
      const lines = out.split('\n');
      for (const [framework, url] of urls) {
        const labelled = lines.flatMap((line, i) =>
          line.startsWith(`# ${framework}: `) && lines[i + 1]?.startsWith('curl ')
            ? [[line, lines[i + 1]!]]
            : [],
        );
        expect(labelled.length, framework).toBeGreaterThanOrEqual(6);
        for (const [label, curl] of labelled) {
          // Run the command as curl would, and check the status its label promises.
          const [, method = 'GET', target, token] =
            /^curl -i(?: -X (\w+))? (\S+)(?: -H 'Authorization: Bearer ([^']+)')?$/.exec(curl!) ?? [];
          expect(target, curl).toContain(url);
          const res = await fetch(target!, {
            method,
            headers: token ? { authorization: `Bearer ${token}` } : {},
          });
          expect(String(res.status), `${label}`).toBe(/→ (\d{3})/.exec(label!)?.[1]);
        }
      }
      const tokens = [...out.matchAll(/Bearer ([\w-]+)\.([\w-]+)\.[\w-]+'/g)];
      const lifetimes = tokens.map(([, , payload]) => {
        const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString()) as {
          iat: number;
          exp: number;
        };
        return claims.exp - claims.iat;
      });
      // every token lives an hour, except the deliberately expired ones
      expect(lifetimes.filter((s) => s === 3600).length).toBe(tokens.length - 4);
      expect(out).toContain('Tokens are valid for 1 hour');
    } finally {
      child.kill('SIGTERM');
    }
  }, 40_000);
});
