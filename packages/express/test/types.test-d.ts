import type { AuthContext, JwtClaims } from '@tokengate/core';
import express, { type NextFunction, type Request, type Response } from 'express';
import { describe, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { type AuthError, jwtAuth, RequireScope } from '../src/index.js';

describe('Express typing', () => {
  it('req.auth is typed by Register (JwtClaims when nothing is registered)', () => {
    express().get('/', (req) => {
      expectTypeOf(req.auth).toEqualTypeOf<AuthContext<JwtClaims> | undefined>();
      expectTypeOf(req.authError).toEqualTypeOf<AuthError | undefined>();
    });
  });

  it("the middleware's getAuth is typed by its claims schema", () => {
    const auth = jwtAuth({
      secret: 'x'.repeat(32),
      claims: z.object({ sub: z.string(), tenant: z.string() }),
    });
    express().get('/', auth, (req) => {
      expectTypeOf(auth.getAuth(req).claims.tenant).toEqualTypeOf<string>();
      // @ts-expect-error: not a claim of the schema
      auth.getAuth(req).claims.tenat;
    });
  });

  it('decorators keep the handler type', () => {
    class Orders {
      @RequireScope('orders:read')
      list(_req: Request, res: Response, _next: NextFunction): void {
        res.json([]);
      }
    }
    expectTypeOf(new Orders().list).toEqualTypeOf<
      (req: Request, res: Response, next: NextFunction) => void
    >();
  });
});
