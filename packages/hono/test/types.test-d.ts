import type { AuthContext, JwtClaims } from '@tokengate/core';
import { Hono } from 'hono';
import { describe, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { type AuthEnv, type AuthError, jwtAuth } from '../src/index.js';

const claims = z.object({ sub: z.string(), tenant: z.string(), admin: z.boolean().optional() });

describe('Hono typing', () => {
  it('c.var.auth and c.get("auth") carry the schema claims without casts', () => {
    const app = new Hono();
    app.use('/api/*', jwtAuth({ secret: 'x'.repeat(32), claims }));
    app.get('/api/me', jwtAuth({ secret: 'x'.repeat(32), claims }), (c) => {
      expectTypeOf(c.var.auth.claims).toEqualTypeOf<{
        sub: string;
        tenant: string;
        admin?: boolean | undefined;
      }>();
      expectTypeOf(c.get('auth').claims.tenant).toEqualTypeOf<string>();
      expectTypeOf(c.var.authError).toEqualTypeOf<AuthError | undefined>();
      // @ts-expect-error: not a claim of the schema
      c.var.auth.claims.tenat;
      return c.json({ tenant: c.var.auth.claims.tenant });
    });
  });

  it('app.use() in a chain types the routes after it; so does new Hono<AuthEnv<C>>()', () => {
    new Hono().use(jwtAuth({ secret: 'x'.repeat(32), claims })).get('/', (c) => {
      expectTypeOf(c.var.auth.claims.tenant).toEqualTypeOf<string>();
      return c.text('ok');
    });
    new Hono<AuthEnv<z.infer<typeof claims>>>().get('/', (c) => {
      expectTypeOf(c.get('auth').claims.admin).toEqualTypeOf<boolean | undefined>();
      return c.text('ok');
    });
  });

  it('without a schema the claims are the registered ones (JwtClaims by default)', () => {
    new Hono().get('/', jwtAuth({ secret: 'x'.repeat(32) }), (c) => {
      expectTypeOf(c.var.auth).toEqualTypeOf<AuthContext<JwtClaims>>();
      expectTypeOf(c.var.auth.claims.sub).toEqualTypeOf<string | undefined>();
      return c.text('ok');
    });
  });

  it('credentialsRequired: false makes c.var.auth optional', () => {
    new Hono().get('/', jwtAuth({ secret: 'x'.repeat(32), claims, credentialsRequired: false }), (c) => {
      expectTypeOf(c.var.auth).toEqualTypeOf<AuthContext<z.infer<typeof claims>> | undefined>();
      // @ts-expect-error: possibly undefined
      c.var.auth.claims;
      return c.text('ok');
    });
  });

  it('credentialsRequired of type boolean also makes c.var.auth optional', () => {
    const credentialsRequired = process.env.ANONYMOUS !== 'yes';
    new Hono().get('/', jwtAuth({ secret: 'x'.repeat(32), credentialsRequired }), (c) => {
      expectTypeOf(c.var.auth).toEqualTypeOf<AuthContext<JwtClaims> | undefined>();
      return c.text('ok');
    });
    new Hono().get('/', jwtAuth({ secret: 'x'.repeat(32), credentialsRequired: true }), (c) => {
      expectTypeOf(c.var.auth).toEqualTypeOf<AuthContext<JwtClaims>>();
      return c.text('ok');
    });
  });

  it('getToken and hooks receive the Hono context', () => {
    jwtAuth({
      secret: 'x'.repeat(32),
      claims,
      getToken: (c) => c.req.header('x-token'),
      onAuthenticated: ({ auth, request }) => {
        expectTypeOf(auth.claims.tenant).toEqualTypeOf<string>();
        expectTypeOf(request.req.url).toEqualTypeOf<string>();
        // @ts-expect-error: hooks never receive the raw token
        auth.token;
      },
    });
  });
});
