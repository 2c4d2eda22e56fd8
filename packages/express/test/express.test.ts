import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { createMemoryRevocationStore } from '@tokengate/core';
import { createTestIssuer, type TestIssuer } from '@tokengate/core/testing';
import {
  authErrorHandler,
  type ExpressAuthOptions,
  getAuth,
  jwtAuth,
  requireAnyScope,
  requireClaims,
  requireRole,
  requireScope,
} from '@tokengate/express';
import express from 'express';
import request from 'supertest';
import { beforeAll, describe, expect, it, vi } from 'vitest';

let idp: TestIssuer;
beforeAll(async () => {
  idp = await createTestIssuer({ alg: 'ES256', issuer: 'https://idp.test/', audience: 'api' });
});

function app(options: Partial<ExpressAuthOptions> = {}, json = false) {
  const a = express();
  a.use(jwtAuth({ jwks: idp.jwks, issuer: 'https://idp.test/', audience: 'api', ...options }));
  a.get('/me', (req, res) =>
    res.json({ sub: req.auth?.subject ?? null, error: req.authError?.code ?? null }),
  );
  a.get('/read', requireScope('orders:read'), (req, res) => res.json({ scopes: [...getAuth(req).scopes] }));
  a.get('/any', requireAnyScope('a', 'orders:read'), (_req, res) => res.send('ok'));
  a.get('/admin', requireRole('admin'), (_req, res) => res.send('admin'));
  a.get('/acme', requireClaims({ tenant: 'acme' }), (_req, res) => res.send('acme'));
  a.options('/me', (_req, res) => res.send('preflight'));
  if (json) a.use(authErrorHandler());
  return a;
}

const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

describe('@tokengate/express', () => {
  it('sets req.auth and passes valid requests', async () => {
    const token = await idp.sign({ sub: 'alice', scope: 'orders:read' });
    const res = await request(app()).get('/me').set(bearer(token));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ sub: 'alice', error: null });
    expect((await request(app()).get('/read').set(bearer(token))).body).toEqual({ scopes: ['orders:read'] });
  });

  it("answers through Express's own error handler with status and WWW-Authenticate", async () => {
    const scoped = await request(app({ realm: 'orders' }))
      .get('/read')
      .set(bearer(await idp.sign({ scope: 'x' })));
    expect(scoped.status).toBe(403);
    expect(scoped.headers['www-authenticate']).toMatch(/^Bearer realm="orders", error="insufficient_scope"/);
    const none = await request(app({ realm: 'orders' })).get('/me');
    expect(none.status).toBe(401);
    expect(none.headers['www-authenticate']).toBe('Bearer realm="orders"');
    const expired = await request(app())
      .get('/me')
      .set(bearer(await idp.sign({}, { defect: 'expired' })));
    expect(expired.status).toBe(401);
    expect(expired.headers['www-authenticate']).toBe(
      'Bearer error="invalid_token", error_description="token has expired"',
    );
    const malformed = await request(app()).get('/me').set('Authorization', 'Bearer');
    expect(malformed.status).toBe(400);
    expect(malformed.headers['www-authenticate']).toMatch(/^Bearer error="invalid_request"/);
  });

  it('renders JSON bodies with authErrorHandler()', async () => {
    const token = await idp.sign({ sub: 'bob', scope: 'other' });
    const res = await request(app({}, true)).get('/read').set(bearer(token));
    expect(res.status).toBe(403);
    expect(res.headers['www-authenticate']).toBe(
      'Bearer error="insufficient_scope", error_description="token lacks a required scope", scope="orders:read"',
    );
    expect(res.body).toEqual({
      error: 'insufficient_scope',
      code: 'insufficient_scope',
      error_description: 'token lacks a required scope',
    });
    const bad = await request(app({}, true))
      .get('/me')
      .set(bearer(await idp.sign({}, { defect: 'tampered' })));
    expect(bad.body).toEqual({
      error: 'invalid_token',
      code: 'invalid_token',
      error_description: 'token signature is invalid',
      reason: 'bad_signature',
    });
  });

  it('runs the guards: any-scope, role, claims', async () => {
    const token = await idp.sign({ scope: 'orders:read', roles: ['user'], tenant: 'acme' });
    expect((await request(app()).get('/any').set(bearer(token))).status).toBe(200);
    const admin = await request(app({}, true)).get('/admin').set(bearer(token));
    expect(admin.status).toBe(403);
    expect(admin.body.code).toBe('insufficient_role');
    expect((await request(app()).get('/acme').set(bearer(token))).status).toBe(200);
    const other = await request(app({}, true))
      .get('/acme')
      .set(bearer(await idp.sign({ tenant: 'globex' })));
    expect(other.body.code).toBe('insufficient_claims');
  });

  it('credentialsRequired: false lets anonymous requests through but still refuses bad tokens', async () => {
    const optional = app({ credentialsRequired: false });
    expect((await request(optional).get('/me')).body).toEqual({ sub: null, error: null });
    expect(
      (
        await request(optional)
          .get('/me')
          .set(bearer(await idp.sign({}, { defect: 'wrong-key' })))
      ).status,
    ).toBe(401);
    expect((await request(optional).get('/read')).status).toBe(401);
  });

  it("invalidTokens: 'anonymous' lets bad tokens through with req.authError", async () => {
    const lenient = app({ credentialsRequired: false, invalidTokens: 'anonymous' });
    const res = await request(lenient)
      .get('/me')
      .set(bearer(await idp.sign({}, { defect: 'expired' })));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ sub: null, error: 'invalid_token' });
  });

  it('lets a CORS preflight through untouched', async () => {
    const res = await request(app()).options('/me').set('Access-Control-Request-Method', 'GET');
    expect(res.status).toBe(200);
    expect(res.text).toBe('preflight');
    expect((await request(app()).options('/me')).status).toBe(401);
  });

  it('reads cookies and custom getToken(req)', async () => {
    const token = await idp.sign({ sub: 'carol' });
    const cookie = app({ tokenSources: [{ cookie: 'access_token' }] });
    expect(
      (await request(cookie).get('/me').set('Cookie', `theme=dark; access_token=${token}`)).body.sub,
    ).toBe('carol');
    const custom = app({ getToken: (req) => req.get('x-token') });
    expect((await request(custom).get('/me').set('X-Token', token)).body.sub).toBe('carol');
    expect((await request(custom).get('/me').set(bearer(token))).status).toBe(401);
  });

  it('refuses two Authorization header lines (Node keeps only the first in req.headers)', async () => {
    const token = await idp.sign({ sub: 'alice' });
    const server = app().listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const socket = connect((server.address() as AddressInfo).port, '127.0.0.1');
      socket.write(
        `GET /me HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nAuthorization: Bearer ${token}\r\nConnection: close\r\n\r\n`,
      );
      let raw = '';
      for await (const chunk of socket) raw += chunk;
      expect(raw).toMatch(/^HTTP\/1\.1 400/);
      expect(raw).toMatch(/WWW-Authenticate: Bearer error="invalid_request"/i);
    } finally {
      server.close();
    }
  });

  it('checks revocation on every request, including cached tokens', async () => {
    const revocation = createMemoryRevocationStore();
    const a = app({ revocation }, true);
    const token = await idp.sign({ sub: 'dave', jti: 'abc' });
    expect((await request(a).get('/me').set(bearer(token))).status).toBe(200);
    await revocation.revoke('abc', new Date(Date.now() + 60_000));
    const res = await request(a).get('/me').set(bearer(token));
    expect(res.status).toBe(401);
    expect(res.body.reason).toBe('revoked');
  });

  it('calls hooks without the raw token, and a throwing hook does not break the request', async () => {
    const seen: unknown[] = [];
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      const token = await idp.sign({ sub: 'erin' });
      const a = app({
        onAuthenticated: ({ auth, request: req }) => {
          seen.push({ auth, url: req.url });
          throw new Error('metrics down');
        },
        onError: ({ error }) => seen.push(error.code),
      });
      expect((await request(a).get('/me').set(bearer(token))).status).toBe(200);
      expect((await request(a).get('/me').set(bearer(token))).status).toBe(200);
      expect((await request(a).get('/me')).status).toBe(401);
      expect(seen[0]).toMatchObject({ url: '/me', auth: { subject: 'erin' } });
      expect(JSON.stringify(seen)).not.toContain(token);
      expect(seen).toContain('missing_token');
      expect(warn).toHaveBeenCalledTimes(1);
    } finally {
      warn.mockRestore();
    }
  });

  it('exposes a schema-typed getAuth on the middleware', async () => {
    const { z } = await import('zod');
    const auth = jwtAuth({
      jwks: idp.jwks,
      claims: z.object({ sub: z.string(), tenant: z.enum(['acme', 'globex']) }),
    });
    const a = express();
    a.get('/t', auth, (req, res) => res.json({ tenant: auth.getAuth(req).claims.tenant }));
    a.use(authErrorHandler());
    expect(
      (
        await request(a)
          .get('/t')
          .set(bearer(await idp.sign({ sub: 's', tenant: 'acme' })))
      ).body,
    ).toEqual({ tenant: 'acme' });
    const bad = await request(a)
      .get('/t')
      .set(bearer(await idp.sign({ sub: 's', tenant: 'initech' })));
    expect(bad.status).toBe(401);
    expect(bad.body.reason).toBe('claims');
  });
});
