import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import { createTestIssuer, type TestIssuer } from '@tokengate/core/testing';
import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { AuthError, getAuth, isAuthError, jwtAuth, requireRole, toHTTPException } from '../src/index.js';

let idp: TestIssuer;
beforeAll(async () => {
  idp = await createTestIssuer({ alg: 'ES256', issuer: 'https://idp.test/', audience: 'api://hono' });
});
const options = () => ({ publicKey: idp.publicKeyPem!, issuer: 'https://idp.test/', audience: 'api://hono' });
const bearer = (token: string) => ({ headers: { Authorization: `Bearer ${token}` } });

/** These tests use `app.request()` only: the Fetch API path that Bun, Deno and Workers take. */
describe('Hono through app.request() (Fetch API only)', () => {
  function app() {
    const auth = jwtAuth({ ...options(), claims: z.object({ sub: z.string(), tenant: z.string() }) });
    return new Hono()
      .get('/public', (c) => c.text('hello'))
      .use('/api/*', auth)
      .get('/api/me', (c) => c.json({ sub: c.var.auth.claims.sub, tenant: c.get('auth').claims.tenant }))
      .delete('/api/orders/:id', requireRole('admin'), (c) => c.json({ deleted: c.req.param('id') }));
  }

  it('public routes are untouched', async () => {
    const res = await app().request('/public');
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('hello');
  });

  it('no token: 401 with the challenge and a JSON body', async () => {
    const res = await app().request('/api/me');
    expect(res.status).toBe(401);
    expect(res.headers.get('WWW-Authenticate')).toBe('Bearer');
    expect(res.headers.get('Content-Type')).toMatch(/^application\/json/);
    expect(await res.json()).toEqual({
      error: 'unauthorized',
      code: 'missing_token',
      error_description: 'no bearer token was sent',
    });
  });

  it('valid token: typed claims through c.var and c.get', async () => {
    const res = await app().request('/api/me', bearer(await idp.sign({ sub: 'alice', tenant: 'acme' })));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ sub: 'alice', tenant: 'acme' });
  });

  it('guards answer 403 insufficient_role', async () => {
    const token = await idp.sign({ sub: 'alice', tenant: 'acme', roles: ['user'] });
    const res = await app().request('/api/orders/7', { method: 'DELETE', ...bearer(token) });
    expect(res.status).toBe(403);
    expect(res.headers.get('WWW-Authenticate')).toMatch(
      /^Bearer error="insufficient_scope", error_description="/,
    );
    expect(await res.json()).toMatchObject({ code: 'insufficient_role' });
    const admin = await idp.sign({ sub: 'alice', tenant: 'acme', roles: ['admin'] });
    const ok = await app().request('/api/orders/7', { method: 'DELETE', ...bearer(admin) });
    expect(await ok.json()).toEqual({ deleted: '7' });
  });

  it('two Authorization lines arrive joined with ", " and are a 400', async () => {
    const token = await idp.sign({ sub: 'alice', tenant: 'acme' });
    const headers = new Headers();
    headers.append('Authorization', `Bearer ${token}`);
    headers.append('Authorization', `Bearer ${token}`);
    const res = await app().request('/api/me', { headers });
    expect(res.status).toBe(400);
    expect(res.headers.get('WWW-Authenticate')).toMatch(/^Bearer error="invalid_request"/);
  });
});

describe('HTTPException', () => {
  it('app.onError sees an HTTPException whose cause is the AuthError', async () => {
    const hono = new Hono();
    const seen: unknown[] = [];
    hono.onError((error, c) => {
      seen.push(error);
      if (error instanceof HTTPException && isAuthError(error.cause)) {
        return c.json({ custom: error.cause.code }, error.cause.status, error.cause.headers);
      }
      return c.text('boom', 500);
    });
    hono.use(jwtAuth(options()));
    hono.get('/', (c) => c.text('ok'));
    const res = await hono.request('/', bearer(await idp.sign({ sub: 'x' }, { defect: 'tampered' })));
    expect(res.status).toBe(401);
    expect(res.headers.get('WWW-Authenticate')).toMatch(/^Bearer error="invalid_token"/);
    expect(await res.json()).toEqual({ custom: 'invalid_token' });
    expect(seen[0]).toBeInstanceOf(HTTPException);
    expect((seen[0] as HTTPException).status).toBe(401);
  });

  it('a refusal is cheap: no stack is captured, and getResponse() and res give the same answer', async () => {
    const error = new AuthError('invalid_token', 'token signature is invalid', { reason: 'bad_signature' });
    const exception = toHTTPException(error);
    expect(exception.stack ?? '').not.toMatch(/\n\s+at /);
    for (const res of [exception.getResponse(), exception.getResponse(), exception.res!]) {
      expect(res.status).toBe(401);
      expect(res.headers.get('WWW-Authenticate')).toMatch(/^Bearer error="invalid_token"/);
      expect(res.headers.get('Content-Type')).toBe('application/json');
      expect(await res.json()).toMatchObject({ code: 'invalid_token', reason: 'bad_signature' });
    }
  });

  it('app.onError returning getResponse() answers as the default handler does', async () => {
    const token = await idp.sign({ sub: 'x' }, { defect: 'tampered' });
    const plain = new Hono().use(jwtAuth(options())).get('/', (c) => c.text('ok'));
    const direct = new Hono()
      .use(jwtAuth(options()))
      .get('/', (c) => c.text('ok'))
      .onError((err, c) => (err instanceof HTTPException ? err.getResponse() : c.text('boom', 500)));
    const [a, b] = await Promise.all([plain.request('/', bearer(token)), direct.request('/', bearer(token))]);
    expect(b.status).toBe(a.status);
    expect(b.headers.get('WWW-Authenticate')).toBe(a.headers.get('WWW-Authenticate'));
    expect(await b.json()).toEqual(await a.json());
  });

  it('toHTTPException carries Retry-After on 503s', async () => {
    const error = new AuthError('key_source_unavailable', 'keys could not be fetched', { retryAfter: 12 });
    const res = toHTTPException(error).getResponse();
    expect(res.status).toBe(503);
    expect(res.headers.get('Retry-After')).toBe('12');
    expect(res.headers.get('WWW-Authenticate')).toBeNull();
    expect(await res.json()).toMatchObject({
      code: 'key_source_unavailable',
      error: 'temporarily_unavailable',
    });
  });

  it('getAuth throws a 401 HTTPException on an anonymous request', async () => {
    const hono = new Hono();
    hono.use(jwtAuth({ ...options(), credentialsRequired: false }));
    hono.get('/', (c) => c.json({ sub: getAuth(c).subject }));
    const anonymous = await hono.request('/');
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('WWW-Authenticate')).toBe('Bearer');
    const res = await hono.request('/', bearer(await idp.sign({ sub: 'dora' })));
    expect(await res.json()).toEqual({ sub: 'dora' });
  });
});

describe('on @hono/node-server', () => {
  it('counts the raw Authorization lines of the Node request (c.env.incoming.rawHeaders)', async () => {
    const hono = new Hono();
    hono.use(jwtAuth(options()));
    hono.get('/', (c) => c.text('ok'));
    const server = createServer(getRequestListener(hono.fetch));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const token = await idp.sign({ sub: 'alice' });
    try {
      const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = httpRequest(
          { host: '127.0.0.1', port: (server.address() as AddressInfo).port, path: '/', agent: false },
          (res) => {
            let body = '';
            res.on('data', (chunk) => {
              body += chunk;
            });
            res.on('end', () => resolve({ status: res.statusCode!, body }));
          },
        );
        req.on('error', reject);
        req.setHeader('Authorization', [`Bearer ${token}`, `Bearer ${token}`]);
        req.end();
      });
      expect(answer.status).toBe(400);
      // The line count (not the ", "-joined value) decided: the core's message for two lines.
      expect(JSON.parse(answer.body)).toMatchObject({
        code: 'invalid_request',
        error_description: 'more than one Authorization header',
      });
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
