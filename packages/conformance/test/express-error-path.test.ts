import { createServer, type Server } from 'node:http';
import { createTestIssuer, type TestIssuer } from '@tokengate/core/testing';
import { authErrorHandler, isAuthError, jwtAuth, requireScope } from '@tokengate/express';
import express from 'express';
import express4 from 'express4';
import { afterEach, beforeAll, beforeEach, describe, expect, it, type MockInstance, vi } from 'vitest';
import { listen } from './http.js';
import type { CaseRequest, CaseResponse } from './routes.js';

// The smallest Express app (no error handler) must answer auth failures itself, cleanly, and log
// nothing; apps with their own error handlers must still receive every failure as next(err).

type App = ReturnType<typeof express>;
const majors: [string, () => App][] = [
  ['express 5', () => express()],
  ['express 4', () => (express4 as unknown as typeof express)()],
];

let idp: TestIssuer;
let errors: MockInstance<typeof console.error>;
const servers: { close(): Promise<void> }[] = [];
type Target = { send(spec: CaseRequest): Promise<CaseResponse> };
const send = (target: Target, spec: CaseRequest) => target.send(spec);

beforeAll(async () => {
  idp = await createTestIssuer({ alg: 'HS256', audience: 'api' });
});
beforeEach(() => {
  errors = vi.spyOn(console, 'error').mockImplementation(() => {});
});
afterEach(async () => {
  vi.restoreAllMocks();
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function start(app: App): Promise<Target> {
  // Express logs errors that reach its final handler unless env is 'test' (vitest's NODE_ENV).
  app.set('env', 'development');
  const server = await listen(createServer(app) as Server);
  servers.push(server);
  return server;
}

const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });

for (const [name, create] of majors) {
  describe(`${name}: auth failures without and with error handlers`, () => {
    it('the smallest app answers 401/403 as JSON with the challenge, and logs nothing', async () => {
      const app = create();
      app.use(jwtAuth({ secret: idp.secret!, audience: 'api' }));
      app.get('/orders', requireScope('orders:read'), (_req, res) => {
        res.json([]);
      });
      const port = await start(app);

      const none = await send(port, { path: '/orders' });
      expect(none.status).toBe(401);
      expect(none.headers['www-authenticate']).toBe('Bearer');
      expect(none.headers['content-type']).toMatch(/^application\/json/);
      expect(none.body).toMatchObject({ code: 'missing_token' });

      const bad = await send(port, { path: '/orders', ...bearer('a.b.c') });
      expect(bad.status).toBe(401);
      expect(bad.headers['www-authenticate']).toMatch(/^Bearer error="invalid_token"/);
      expect(bad.body).toMatchObject({ error: 'invalid_token', code: 'invalid_token' });

      const expired = await send(port, {
        path: '/orders',
        ...bearer(await idp.sign({}, { defect: 'expired' })),
      });
      expect(expired.status).toBe(401);
      expect(expired.body).toMatchObject({ code: 'invalid_token', reason: 'expired' });

      const twoLines = await send(port, {
        path: '/orders',
        headers: { authorization: ['Bearer a', 'Bearer b'] },
      });
      expect(twoLines.status).toBe(400);
      expect(twoLines.headers['www-authenticate']).toMatch(/error="invalid_request"/);

      const forbidden = await send(port, { path: '/orders', ...bearer(await idp.sign({ scope: 'other' })) });
      expect(forbidden.status).toBe(403);
      expect(forbidden.headers['www-authenticate']).toMatch(/^Bearer error="insufficient_scope"/);
      expect(forbidden.headers['www-authenticate']).toContain('scope="orders:read"');
      expect(forbidden.body).toMatchObject({ code: 'insufficient_scope' });
      expect(forbidden.text).not.toMatch(/<html|<pre|AuthError/i);

      const ok = await send(port, { path: '/orders', ...bearer(await idp.sign({ scope: 'orders:read' })) });
      expect(ok.status).toBe(200);
      expect(errors).not.toHaveBeenCalled();
    });

    it('answers exactly as authErrorHandler() does', async () => {
      const bare = create();
      bare.use(jwtAuth({ secret: idp.secret!, audience: 'api' }));
      bare.get('/', (_req, res) => {
        res.end();
      });
      const handled = create();
      handled.use(jwtAuth({ secret: idp.secret!, audience: 'api' }));
      handled.get('/', (_req, res) => {
        res.end();
      });
      handled.use(authErrorHandler());
      const [a, b] = [await start(bare), await start(handled)];
      for (const request of [{}, bearer('x.y.z'), bearer(await idp.sign({}, { defect: 'tampered' }))]) {
        const [left, right] = [await send(a, request), await send(b, request)];
        expect(left.status).toBe(right.status);
        expect(left.headers['www-authenticate']).toBe(right.headers['www-authenticate']);
        expect(left.body).toEqual(right.body);
      }
    });

    it('an app with its own error handler still gets every failure through next(err)', async () => {
      const app = create();
      const seen: string[] = [];
      app.use(jwtAuth({ secret: idp.secret!, audience: 'api' }));
      app.get('/orders', requireScope('orders:read'), (_req, res) => {
        res.json([]);
      });
      app.use((err: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
        if (!isAuthError(err)) throw err;
        seen.push(err.code);
        res.status(err.status).set(err.headers).json({ mine: err.code });
      });
      const port = await start(app);
      expect((await send(port, { path: '/orders' })).body).toEqual({ mine: 'missing_token' });
      const forbidden = await send(port, { path: '/orders', ...bearer(await idp.sign({ scope: 'x' })) });
      expect(forbidden.status).toBe(403);
      expect(forbidden.body).toEqual({ mine: 'insufficient_scope' });
      expect(seen).toEqual(['missing_token', 'insufficient_scope']);
    });

    it('an error handler in the router that mounts jwtAuth, or in the parent of a mounted app, counts too', async () => {
      const handler =
        (name: string) =>
        (err: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
          res.status(418).json({ [name]: isAuthError(err) });
        };
      const app = create();
      const api = express.Router();
      api.use(jwtAuth({ secret: idp.secret!, audience: 'api' }));
      api.get('/orders', (_req, res) => {
        res.end();
      });
      api.use(handler('router'));
      app.use('/api', api);

      const child = create();
      child.use(jwtAuth({ secret: idp.secret!, audience: 'api' }));
      child.get('/', (_req, res) => {
        res.end();
      });
      app.use('/child', child);
      app.use(handler('parent'));

      const target = await start(app);
      expect(await send(target, { path: '/api/orders' })).toMatchObject({
        status: 418,
        body: { router: true },
      });
      // The child app has no error handler of its own; its parent's receives the error.
      expect(await send(target, { path: '/child/' })).toMatchObject({ status: 418, body: { parent: true } });
    });

    it("the app's own bugs (a throwing secret function) still reach Express's error path", async () => {
      const app = create();
      app.use(
        jwtAuth({
          secret: () => {
            throw new Error('database down');
          },
        }),
      );
      const port = await start(app);
      const answer = await send(port, { ...bearer(await idp.sign({})) });
      expect(answer.status).toBe(500);
      await vi.waitFor(() => expect(errors).toHaveBeenCalled(), { timeout: 1_000 }); // Express logs it deferred
    });
  });
}
