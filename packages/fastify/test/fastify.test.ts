/**
 * What the conformance table (packages/conformance, two Fastify drivers) cannot show: Fastify's
 * scopes, its error handlers (app-wide, per route, none), its logger, and plugin registration.
 */
import { createDpopClient, createTestIssuer, type TestIssuer } from '@tokengate/core/testing';
import Fastify, { type FastifyError } from 'fastify';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type AuthError,
  authErrorHandler,
  getAuth,
  isAuthError,
  jwtAuth,
  protectedResourceMetadata,
  RequireScope,
  requireScope,
  tokengate,
} from '../src/index.js';

let idp: TestIssuer;
let options: { secret: Uint8Array; audience: string };
let token: string;
beforeAll(async () => {
  idp = await createTestIssuer({ alg: 'HS256', audience: 'api' });
  options = { secret: idp.secret!, audience: 'api' };
  token = await idp.sign({ sub: 'alice', scope: 'orders:read' });
});
const bearer = (value: string) => ({ authorization: `Bearer ${value}` });

describe('the plugin', () => {
  it('protects the scope it is registered in; routes outside it stay public', async () => {
    const app = Fastify();
    app.get('/public', async (request) => ({ auth: request.auth ?? null }));
    app.register(async (api) => {
      await api.register(tokengate, options);
      api.get('/private', async (request) => ({ sub: request.auth?.subject }));
    });
    expect((await app.inject('/public')).json()).toEqual({ auth: null });
    const refused = await app.inject('/private');
    expect(refused.statusCode).toBe(401);
    expect(refused.headers['www-authenticate']).toBe('Bearer');
    expect(refused.json()).toEqual({
      error: 'unauthorized',
      code: 'missing_token',
      error_description: 'no bearer token was sent',
    });
    expect((await app.inject({ url: '/private', headers: bearer(token) })).json()).toEqual({ sub: 'alice' });
  });

  it("ignores Fastify's own register options (prefix, logLevel) and still refuses unknown ones", async () => {
    const app = Fastify();
    app.register(tokengate, { ...options, prefix: '/v1', logLevel: 'warn' } as never);
    app.get('/', async () => 'ok');
    expect((await app.inject('/')).statusCode).toBe(401);
    const typo = Fastify();
    typo.register(tokengate, { ...options, audiance: 'api' } as never);
    await expect(typo.ready()).rejects.toThrow(TypeError);
  });

  it('may be registered twice (two scopes, two option sets)', async () => {
    const app = Fastify();
    app.register(async (a) => {
      await a.register(tokengate, options);
      a.get('/a', async (request) => request.auth?.subject);
    });
    app.register(async (b) => {
      await b.register(tokengate, { ...options, audience: 'other' });
      b.get('/b', async (request) => request.auth?.subject);
    });
    expect((await app.inject({ url: '/a', headers: bearer(token) })).statusCode).toBe(200);
    expect((await app.inject({ url: '/b', headers: bearer(token) })).json()).toMatchObject({
      reason: 'audience',
    });
  });
});

describe('jwtAuth() as a hook', () => {
  it('protects one route, or an encapsulated context', async () => {
    const app = Fastify();
    app.get('/orders', { onRequest: jwtAuth(options) }, async (request) => getAuth(request).subject);
    app.get('/health', async () => 'ok');
    expect((await app.inject('/orders')).statusCode).toBe(401);
    expect((await app.inject('/health')).statusCode).toBe(200);
    expect((await app.inject({ url: '/orders', headers: bearer(token) })).body).toBe('alice');
  });

  it('exposes its verifier and a getAuth typed by the claims schema', async () => {
    const auth = jwtAuth(options);
    const app = Fastify();
    app.addHook('onRequest', auth);
    app.get('/', async (request) => auth.getAuth(request).claims.sub);
    expect((await app.inject({ url: '/', headers: bearer(token) })).body).toBe('alice');
    expect((await auth.verifier.verify(token)).subject).toBe('alice');
  });
});

describe('errors', () => {
  it("reach the app's setErrorHandler with statusCode, headers and code; its answer goes out", async () => {
    const seen: AuthError[] = [];
    const app = Fastify();
    app.setErrorHandler((error: FastifyError | AuthError, _request, reply) => {
      if (!isAuthError(error)) return reply.send(error);
      seen.push(error);
      return reply
        .code(error.statusCode)
        .headers(error.headers)
        .send({ message: `no: ${error.code}` });
    });
    await app.register(tokengate, options);
    app.get('/orders', { preHandler: requireScope('orders:write') }, async () => 'ok');
    const missing = await app.inject('/orders');
    expect(missing.statusCode).toBe(401);
    expect(missing.headers['www-authenticate']).toBe('Bearer');
    expect(missing.json()).toEqual({ message: 'no: missing_token' });
    const scope = await app.inject({ url: '/orders', headers: bearer(token) });
    expect(scope.statusCode).toBe(403);
    expect(scope.json()).toEqual({ message: 'no: insufficient_scope' });
    expect(seen.map((e) => [e.code, e.statusCode])).toEqual([
      ['missing_token', 401],
      ['insufficient_scope', 403],
    ]);
  });

  it("an error handler that sends the error on leaves Fastify's default answer (status and challenge kept)", async () => {
    const app = Fastify();
    app.setErrorHandler((error, _request, reply) => reply.send(error));
    await app.register(tokengate, options);
    app.get('/', async () => 'ok');
    const response = await app.inject({ url: '/', headers: bearer('a.b.c') });
    expect(response.statusCode).toBe(401);
    expect(response.headers['www-authenticate']).toMatch(/^Bearer error="invalid_token"/);
    expect(response.json()).toMatchObject({ statusCode: 401, code: 'invalid_token' });
  });

  it('a route errorHandler of its own receives getAuth()’s 401', async () => {
    const app = Fastify();
    await app.register(tokengate, { ...options, credentialsRequired: false });
    app.get(
      '/me',
      {
        errorHandler: (error, _request, reply) => reply.code(418).send({ route: (error as AuthError).code }),
      },
      async (request) => getAuth(request).subject,
    );
    app.get('/plain', async (request) => getAuth(request).subject);
    expect((await app.inject('/me')).json()).toEqual({ route: 'missing_token' });
    const plain = await app.inject('/plain');
    expect(plain.statusCode).toBe(401);
    expect(plain.json()).toMatchObject({ code: 'missing_token', error: 'unauthorized' });
  });

  it("leaves other errors as Fastify answers them, with or without the app's handler (a thrown string too)", async () => {
    for (const handler of [false, true]) {
      const app = Fastify();
      if (handler)
        app.setErrorHandler((error, _request, reply) => reply.code(499).send({ mine: String(error) }));
      await app.register(tokengate, { ...options, credentialsRequired: false });
      app.get('/string', async () => {
        throw 'boom';
      });
      app.get('/teapot', async () => {
        throw Object.assign(new Error('teapot'), { statusCode: 418 });
      });
      const [string, teapot] = [await app.inject('/string'), await app.inject('/teapot')];
      if (handler) {
        expect([string.statusCode, string.json()]).toEqual([499, { mine: 'boom' }]);
        expect([teapot.statusCode, teapot.json()]).toEqual([499, { mine: 'Error: teapot' }]);
      } else {
        expect([string.statusCode, string.body]).toEqual([500, 'boom']);
        expect([teapot.statusCode, teapot.json().message]).toEqual([418, 'teapot']);
      }
    }
  });

  it('a 503 carries Retry-After; a throwing secret function is the app’s 500, not a refusal', async () => {
    const app = Fastify();
    app.register(async (down) => {
      await down.register(tokengate, { jwksUri: 'http://127.0.0.1:1/jwks.json', timeoutDuration: '500ms' });
      down.get('/down', async () => 'ok');
    });
    app.register(async (buggy) => {
      await buggy.register(tokengate, {
        secret: () => {
          throw new Error('database is down');
        },
      });
      buggy.get('/buggy', async () => 'ok');
    });
    const rs = await createTestIssuer({ alg: 'ES256' });
    const down = await app.inject({ url: '/down', headers: bearer(await rs.sign({ sub: 'a' })) });
    expect(down.statusCode).toBe(503);
    expect(down.headers['retry-after']).toMatch(/^\d+$/);
    expect(down.json()).toMatchObject({ code: 'key_source_unavailable', error: 'temporarily_unavailable' });
    const buggy = await app.inject({ url: '/buggy', headers: bearer(token) });
    expect(buggy.statusCode).toBe(500);
  });

  it("Fastify's logger gets the refusal as its default handler logs it, without the token", async () => {
    const lines: string[] = [];
    const app = Fastify({
      logger: { level: 'trace', stream: { write: (line: string) => lines.push(line) } },
    });
    await app.register(tokengate, options);
    app.get('/', async () => 'ok');
    const forged = `${token.slice(0, -4)}AAAA`;
    await app.inject({ url: '/?x=1', headers: bearer(forged) });
    const refusal = lines.map((line) => JSON.parse(line)).find((entry) => entry.err);
    expect(refusal).toMatchObject({ level: 30, res: { statusCode: 401 }, err: { code: 'invalid_token' } });
    for (const line of lines) {
      expect(line).not.toContain(forged);
      expect(line).not.toContain(forged.split('.')[2]);
    }
  });

  it('authErrorHandler() keeps the adapters’ body in an app with its own handler', async () => {
    const app = Fastify();
    app.setErrorHandler(authErrorHandler((_error, _request, reply) => reply.code(500).send({ oops: true })));
    await app.register(tokengate, options);
    app.get('/', async () => {
      throw new Error('boom');
    });
    const refused = await app.inject('/');
    expect(refused.statusCode).toBe(401);
    expect(refused.json()).toMatchObject({ code: 'missing_token' });
    expect((await app.inject({ url: '/', headers: bearer(token) })).json()).toEqual({ oops: true });
  });
});

describe('decorators and guards', () => {
  class Orders {
    @RequireScope('orders:read') list(
      request: Parameters<typeof getAuth>[0],
      reply: { send(v: unknown): void },
    ) {
      reply.send({ sub: request.auth?.subject });
    }
  }

  it('a decorated handler that answers with reply.send (not async) refuses and passes as a guard does', async () => {
    const app = Fastify();
    const orders = new Orders();
    await app.register(tokengate, { ...options, credentialsRequired: false });
    app.get('/orders', (request, reply) => orders.list(request, reply));
    const anonymous = await app.inject('/orders');
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.json()).toMatchObject({ code: 'missing_token' });
    const other = await app.inject({ url: '/orders', headers: bearer(await idp.sign({ scope: 'x' })) });
    expect(other.statusCode).toBe(403);
    expect(other.headers['www-authenticate']).toContain('scope="orders:read"');
    expect((await app.inject({ url: '/orders', headers: bearer(token) })).json()).toEqual({ sub: 'alice' });
  });

  it('guards carry their core guard (for OpenAPI)', () => {
    expect(requireScope('a', 'b').guard).toMatchObject({ kind: 'scope', scopes: ['a', 'b'] });
  });
});

describe('protectedResourceMetadata()', () => {
  it('answers its well-known path before jwtAuth, with no route declared', async () => {
    const auth = { secret: options.secret, resource: 'https://api.example.com/mcp' };
    const app = Fastify();
    app.addHook('onRequest', protectedResourceMetadata(auth));
    await app.register(tokengate, auth);
    app.get('/mcp', async () => 'ok');
    const document = await app.inject('/.well-known/oauth-protected-resource/mcp');
    expect(document.statusCode).toBe(200);
    expect(document.json()).toMatchObject({ resource: 'https://api.example.com/mcp' });
    const refused = await app.inject('/mcp');
    expect(refused.statusCode).toBe(401);
    expect(refused.headers['www-authenticate']).toContain(
      'resource_metadata="https://api.example.com/.well-known/oauth-protected-resource/mcp"',
    );
  });
});

describe('DPoP', () => {
  it('checks htu against the URL the client sent, before Fastify rewrites it (rewriteUrl)', async () => {
    const app = Fastify({ rewriteUrl: (req) => (req.url ?? '/').replace(/^\/v1/, '') });
    await app.register(tokengate, {
      ...options,
      dpop: { required: true, publicUrl: 'http://api.example.com' },
    });
    app.get('/orders', async (request) => ({ binding: request.auth?.binding }));
    const client = await createDpopClient();
    const token = await idp.sign({ sub: 'alice' }, { dpop: client });
    const send = async (url: string) =>
      app.inject({
        url: '/v1/orders',
        headers: {
          host: 'api.example.com',
          authorization: `DPoP ${token}`,
          dpop: await client.proof({ method: 'GET', url, accessToken: token }),
        },
      });
    expect((await send('http://api.example.com/v1/orders')).json()).toEqual({ binding: 'dpop' });
    expect((await send('http://api.example.com/orders')).json()).toMatchObject({ reason: 'url' });
  });
});
