import type { AuthContext, JwtClaims } from '@tokengate/core';
import Koa, { type Context } from 'koa';
import { describe, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { type AuthError, getAuth, jwtAuth } from '../src/index.js';

describe('Koa typing', () => {
  it('ctx.state.auth is typed by Register (JwtClaims when nothing is registered)', () => {
    new Koa().use((ctx) => {
      expectTypeOf(ctx.state.auth).toEqualTypeOf<AuthContext<JwtClaims> | undefined>();
      expectTypeOf(ctx.state.authError).toEqualTypeOf<AuthError | undefined>();
      expectTypeOf(getAuth(ctx).claims.sub).toEqualTypeOf<string | undefined>();
    });
  });

  it("the middleware's getAuth is typed by its claims schema", () => {
    const auth = jwtAuth({
      secret: 'x'.repeat(32),
      claims: z.object({ sub: z.string(), tenant: z.string() }),
    });
    new Koa().use(auth).use((ctx) => {
      expectTypeOf(auth.getAuth(ctx).claims).toEqualTypeOf<{ sub: string; tenant: string }>();
      // @ts-expect-error: not a claim of the schema
      auth.getAuth(ctx).claims.tenat;
    });
  });

  it('getToken and hooks receive the Koa context', () => {
    jwtAuth({
      secret: 'x'.repeat(32),
      getToken: (ctx) => {
        expectTypeOf(ctx).toEqualTypeOf<Context>();
        return ctx.cookies.get('token');
      },
    });
  });
});
