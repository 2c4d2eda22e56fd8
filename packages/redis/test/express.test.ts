import { createTestIssuer, type TestIssuer } from '@tokengate/core/testing';
import { authErrorHandler, jwtAuth } from '@tokengate/express';
import express, { type Express } from 'express';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisRevocationStore, type RedisRevocationStore } from '../src/index.js';
import { RedisServer, uniquePrefix, waitFor } from './helpers.js';

let server: RedisServer;
let idp: TestIssuer;
let stores: RedisRevocationStore[] = [];

/** One app instance: its own store (own Redis connections), the same secret and prefix as the others. */
function instance(prefix: string): { app: Express; store: RedisRevocationStore } {
  const store = createRedisRevocationStore({ url: server.url, prefix });
  stores.push(store);
  const app = express();
  app.use(jwtAuth({ secret: idp.secret!, revocation: store }));
  app.get('/orders', (req, res) => {
    res.json({ sub: req.auth?.subject });
  });
  app.post('/logout', async (req, res) => {
    await store.revoke(req.auth!.claims.jti!, req.auth!.claims.exp!);
    res.sendStatus(204);
  });
  app.post('/logout-everywhere', async (req, res) => {
    await store.revokeSubject(req.auth!.subject!);
    res.sendStatus(204);
  });
  app.use(authErrorHandler());
  return { app, store };
}

beforeAll(async () => {
  server = await RedisServer.start();
  idp = await createTestIssuer({ alg: 'HS256' });
});

afterAll(async () => {
  await Promise.all(stores.map((s) => s.close()));
  stores = [];
  await server?.kill();
});

describe('Express: jwtAuth({ secret, revocation: redisStore })', () => {
  it('a logout on one instance makes the token 401 revoked on another; Redis down is 503, then recovers', async () => {
    const prefix = uniquePrefix();
    const a = instance(prefix);
    const b = instance(prefix);
    await Promise.all([a.store.ready(), b.store.ready()]);
    const token = await idp.sign({ sub: 'alice' });
    const bearer = `Bearer ${token}`;

    await request(b.app).get('/orders').set('Authorization', bearer).expect(200, { sub: 'alice' });
    await request(a.app).post('/logout').set('Authorization', bearer).expect(204);
    await waitFor(() => b.store.size === 1, 2000);

    const revoked = await request(b.app).get('/orders').set('Authorization', bearer);
    expect(revoked.status).toBe(401);
    expect(revoked.body).toMatchObject({ error: 'invalid_token', code: 'invalid_token', reason: 'revoked' });
    expect(revoked.headers['www-authenticate']).toMatch(/^Bearer error="invalid_token"/);

    const other = await idp.sign({ sub: 'bob' });
    await request(b.app).get('/orders').set('Authorization', `Bearer ${other}`).expect(200);
    await request(a.app).post('/logout-everywhere').set('Authorization', `Bearer ${other}`).expect(204);
    await waitFor(() => b.store.subjectCount === 1, 2000);
    const everywhere = await request(b.app).get('/orders').set('Authorization', `Bearer ${other}`);
    expect([everywhere.status, everywhere.body.reason]).toEqual([401, 'revoked']);

    await server.kill();
    await waitFor(() => b.store.state === 'unavailable', 2000);
    const fresh = await idp.sign({ sub: 'carol' });
    const down = await request(b.app).get('/orders').set('Authorization', `Bearer ${fresh}`);
    expect(down.status).toBe(503);
    expect(down.body.code).toBe('revocation_unavailable');
    expect(down.headers['retry-after']).toBe('5');
    expect(JSON.stringify(down.body)).not.toContain(fresh);
    const logoutDown = await request(a.app).post('/logout').set('Authorization', `Bearer ${fresh}`);
    expect(logoutDown.status).toBe(503); // fails closed before reaching the handler

    await server.start();
    await Promise.all([a.store.ready(), b.store.ready()]);
    await request(b.app).get('/orders').set('Authorization', `Bearer ${fresh}`).expect(200, { sub: 'carol' });
  });
});
