import { isAuthError } from '@tokengate/core';
import { createTestIssuer, type TestIssuer } from '@tokengate/core/testing';
import Koa, { type Context } from 'koa';
import Koa2 from 'koa2';
import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { AuthError, getAuth, jwtAuth, RequireScope, requireScope } from '../src/index.js';

let idp: TestIssuer;
beforeAll(async () => {
  idp = await createTestIssuer({ alg: 'HS256', issuer: 'https://idp.test/', audience: 'api://koa' });
});
const options = () => ({ secret: idp.secret!, issuer: 'https://idp.test/', audience: 'api://koa' });

describe.each([
  ['Koa 3', Koa],
  ['Koa 2', Koa2],
])("%s's default error handler (no authErrorHandler)", (_name, KoaClass) => {
  function app(): Koa {
    const koa = new KoaClass();
    koa.silent = true;
    koa.use(jwtAuth(options()));
    koa.use(requireScope('orders:read'));
    koa.use((ctx) => {
      ctx.body = { sub: ctx.state.auth?.subject };
    });
    return koa;
  }

  it('answers 401 with the challenge from err.headers and the message as text', async () => {
    const res = await request(app().callback()).get('/');
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Bearer');
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.text).toBe('no bearer token was sent');
  });

  it('answers 403 with scope= for a failed guard', async () => {
    const token = await idp.sign({ sub: 'alice', scope: 'profile' });
    const res = await request(app().callback()).get('/').set('Authorization', `Bearer ${token}`);
    expect(res.status).toBe(403);
    expect(res.headers['www-authenticate']).toMatch(
      /^Bearer error="insufficient_scope", .*scope="orders:read"$/,
    );
  });

  it('lets a valid token through to ctx.state.auth', async () => {
    const token = await idp.sign({ sub: 'alice', scope: 'orders:read' });
    const res = await request(app().callback()).get('/').set('Authorization', `Bearer ${token}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ sub: 'alice' });
  });
});

describe("the app's own error middleware", () => {
  it('sees the AuthError itself and can render it', async () => {
    const seen: unknown[] = [];
    const koa = new Koa();
    koa.use(async (ctx, next) => {
      try {
        await next();
      } catch (error) {
        seen.push(error);
        if (!isAuthError(error)) throw error;
        ctx.status = error.status;
        ctx.set(error.headers);
        ctx.body = { problem: error.code, reason: error.reason };
      }
    });
    koa.use(jwtAuth(options()));
    const token = await idp.sign({ sub: 'alice' }, { defect: 'expired' });
    const res = await request(koa.callback()).get('/').set('Authorization', `Bearer ${token}`);
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toMatch(/^Bearer error="invalid_token"/);
    expect(res.body).toEqual({ problem: 'invalid_token', reason: 'expired' });
    expect(seen).toHaveLength(1);
    expect(seen[0]).toBeInstanceOf(AuthError);
    expect((seen[0] as AuthError).expose).toBe(true);
  });

  it("Koa's 'error' event receives the AuthError (exposed, so Koa's default listener does not log it)", async () => {
    const koa = new Koa();
    const events: unknown[] = [];
    koa.on('error', (error) => events.push(error));
    koa.use(jwtAuth(options()));
    const res = await request(koa.callback()).get('/');
    expect(res.status).toBe(401);
    expect(events).toHaveLength(1);
    expect(isAuthError(events[0])).toBe(true);
  });
});

describe('getAuth and the typed accessor', () => {
  it('the middleware getAuth returns the context; the free getAuth throws 401 without one', async () => {
    const auth = jwtAuth({ ...options(), credentialsRequired: false });
    const koa = new Koa();
    koa.silent = true;
    koa.use(auth);
    koa.use((ctx: Context) => {
      ctx.body = { sub: ctx.path === '/typed' ? auth.getAuth(ctx).subject : getAuth(ctx).subject };
    });
    const token = await idp.sign({ sub: 'bob' });
    const typed = await request(koa.callback()).get('/typed').set('Authorization', `Bearer ${token}`);
    expect(typed.body).toEqual({ sub: 'bob' });
    const anonymous = await request(koa.callback()).get('/');
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers['www-authenticate']).toBe('Bearer');
  });

  it('exposes the verifier', async () => {
    const auth = jwtAuth(options());
    const verified = await auth.verifier.verify(await idp.sign({ sub: 'carol' }));
    expect(verified.subject).toBe('carol');
  });
});

describe("decorators handed Koa's ctx.request (routing-controllers' @Req())", () => {
  class Orders {
    @RequireScope('orders:read') list(request: Koa.Request) {
      return { sub: request.ctx.state.auth?.subject };
    }
  }

  function app(): Koa {
    const koa = new Koa();
    koa.silent = true;
    koa.use(jwtAuth({ ...options(), credentialsRequired: false }));
    koa.use((ctx) => {
      ctx.body = new Orders().list(ctx.request);
    });
    return koa;
  }

  it('judges the context jwtAuth concluded for the ctx the request belongs to', async () => {
    const reader = await idp.sign({ sub: 'alice', scope: 'orders:read' });
    const ok = await request(app().callback()).get('/').set('Authorization', `Bearer ${reader}`);
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({ sub: 'alice' });
    const other = await idp.sign({ sub: 'bob', scope: 'profile' });
    const denied = await request(app().callback()).get('/').set('Authorization', `Bearer ${other}`);
    expect(denied.status).toBe(403);
    expect(denied.headers['www-authenticate']).toMatch(/scope="orders:read"/);
    expect((await request(app().callback()).get('/')).status).toBe(401);
  });
});
