import type { AuthContext, JwtClaims } from '@tokengate/core';
import Fastify, { type FastifyRequest } from 'fastify';
import { describe, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import {
  type AuthError,
  type FastifyAuthOptions,
  getAuth,
  jwtAuth,
  requireRole,
  requireScope,
  tokengate,
} from '../src/index.js';

describe('Fastify typing', () => {
  it('request.auth is typed by Register (JwtClaims when nothing is registered)', () => {
    const app = Fastify();
    app.register(tokengate, { secret: 'x'.repeat(32) });
    app.get('/', async (request) => {
      expectTypeOf(request.auth).toEqualTypeOf<AuthContext<JwtClaims> | undefined>();
      expectTypeOf(request.authError).toEqualTypeOf<AuthError | undefined>();
      expectTypeOf(getAuth(request).claims.sub).toEqualTypeOf<string | undefined>();
      return 'ok';
    });
  });

  it("the hook's getAuth is typed by its claims schema", () => {
    const auth = jwtAuth({
      secret: 'x'.repeat(32),
      claims: z.object({ sub: z.string(), tenant: z.string() }),
    });
    Fastify().get('/', { onRequest: auth }, async (request) => {
      expectTypeOf(auth.getAuth(request).claims).toEqualTypeOf<{ sub: string; tenant: string }>();
      // @ts-expect-error: not a claim of the schema
      auth.getAuth(request).claims.tenat;
      return 'ok';
    });
  });

  it('guards fit preHandler (alone or in a list) on routes with typed generics', () => {
    Fastify().post<{ Body: { id: number }; Querystring: { q: string } }>(
      '/orders',
      { preHandler: [requireScope('orders:write'), requireRole('admin')] },
      async (request) => request.body.id,
    );
    Fastify().get(
      '/x',
      { preHandler: requireScope('a'), onRequest: jwtAuth({ secret: 'x'.repeat(32) }) },
      async () => 1,
    );
  });

  it('getToken and hooks receive the Fastify request; the plugin refuses bad option types', () => {
    jwtAuth({
      secret: 'x'.repeat(32),
      getToken: (request) => {
        expectTypeOf(request).toEqualTypeOf<FastifyRequest>();
        return request.headers['x-token'] as string | undefined;
      },
    });
    // @ts-expect-error: audience is a string or a list
    Fastify().register(tokengate, { secret: 'x'.repeat(32), audience: 1 });
  });
});

describe('plugin options', () => {
  it('take options typed ahead (isRevoked and hooks typed by Register), and a claims schema', () => {
    const options: FastifyAuthOptions = { secret: 'x'.repeat(32), isRevoked: (auth) => auth.subject === 'x' };
    Fastify().register(tokengate, options);
    Fastify().register(tokengate, {
      secret: 'x'.repeat(32),
      claims: z.object({ sub: z.string() }),
      isRevoked: (auth) => {
        expectTypeOf(auth.claims.sub).toEqualTypeOf<string | undefined>();
        return false;
      },
    });
  });
});
