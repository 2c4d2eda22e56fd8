import type { DynamicModule } from '@nestjs/common';
import type { AuthContext, AuthError, JwtClaims } from '@tokengate/core';
import { describe, expectTypeOf, it } from 'vitest';
import {
  Auth,
  authErrorOf,
  Public,
  RequireClaims,
  RequireScope,
  type TokengateException,
  TokengateModule,
  type TokengateModuleOptions,
} from '../src/index.js';

describe('NestJS typing', () => {
  it('forRoot and forRootAsync take the core options and make a dynamic module', () => {
    expectTypeOf(
      TokengateModule.forRoot({ issuer: 'https://idp.example.com/' }),
    ).toEqualTypeOf<DynamicModule>();
    TokengateModule.forRootAsync({
      useFactory: async (): Promise<TokengateModuleOptions> => ({
        secret: 'x'.repeat(32),
        credentialsRequired: false,
      }),
    });
    // @ts-expect-error: not an option
    TokengateModule.forRoot({ issuer: 'https://idp.example.com/', audiences: 'api' });
  });

  it('decorators: class and method for requirements and @Public, a parameter decorator for @Auth', () => {
    expectTypeOf(RequireScope('a')).toMatchTypeOf<ClassDecorator>();
    expectTypeOf(RequireScope('a')).toMatchTypeOf<MethodDecorator>();
    expectTypeOf(Public()).toMatchTypeOf<ClassDecorator & MethodDecorator>();
    expectTypeOf(Auth()).toEqualTypeOf<ParameterDecorator>();
    RequireClaims((auth) => {
      expectTypeOf(auth).toEqualTypeOf<AuthContext<JwtClaims>>();
      return true;
    });
  });

  it('the refusal carries the AuthError as cause; authErrorOf reads it', () => {
    expectTypeOf(authErrorOf(new Error())).toEqualTypeOf<AuthError | undefined>();
    expectTypeOf<TokengateException['cause']>().toEqualTypeOf<AuthError>();
  });
});
