// The Nest module: the core options (as given, or from a factory), one verifier, the global guard.
import type {
  DynamicModule,
  InjectionToken,
  ModuleMetadata,
  OptionalFactoryDependency,
  Provider,
} from '@nestjs/common';
import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { createVerifier, type StandardSchemaV1, type TokengateOptions, type Verifier } from '@tokengate/core';
import { TokengateGuard } from './guard.js';

/**
 * Options of {@link TokengateModule}: the core options of every tokengate adapter, unchanged
 * (`issuer`, `audience`, `jwksUri`, `credentialsRequired`…). `getToken` and the hooks receive the
 * platform's request (Express `req` or Fastify `request`). A `claims` schema still validates the
 * payload; `@Auth()` is typed app-wide, by `Register`.
 */
export type TokengateModuleOptions = Omit<TokengateOptions<undefined, any>, 'claims'> & {
  /** A Standard Schema the payload must pass (see the core option). */
  claims?: StandardSchemaV1;
};

/** Options of {@link TokengateModule.forRootAsync}: the options come from a factory. */
export interface TokengateModuleAsyncOptions {
  /** Modules whose providers the factory needs (e.g. `ConfigModule`). */
  imports?: ModuleMetadata['imports'];
  /** Returns the options; its arguments are the providers named in `inject`. */
  useFactory: (...args: any[]) => TokengateModuleOptions | Promise<TokengateModuleOptions>;
  /** Providers passed to `useFactory` (e.g. `[ConfigService]`). */
  inject?: (InjectionToken | OptionalFactoryDependency)[];
}

/** Injection token of the module's resolved options (the object given to `forRoot` or returned by the factory). */
export const TOKENGATE_OPTIONS: unique symbol = Symbol('tokengate.options');
/**
 * Injection token of the module's {@link Verifier} (to verify tokens outside HTTP, or
 * `await verifier.ready()` in a readiness check).
 */
export const TOKENGATE_VERIFIER: unique symbol = Symbol('tokengate.verifier');

function build(options: Provider[], imports?: ModuleMetadata['imports']): DynamicModule {
  return {
    module: TokengateModule,
    global: true,
    imports: imports ?? [],
    providers: [
      ...options,
      {
        provide: TOKENGATE_VERIFIER,
        // A TypeError naming the option, at start-up, for a configuration mistake.
        useFactory: (resolved: TokengateModuleOptions): Verifier<unknown> =>
          createVerifier(resolved as TokengateOptions<any, any>),
        inject: [TOKENGATE_OPTIONS],
      },
      {
        provide: APP_GUARD,
        useFactory: (verifier: Verifier<unknown>) => new TokengateGuard(verifier),
        inject: [TOKENGATE_VERIFIER],
      },
    ],
    exports: [TOKENGATE_OPTIONS, TOKENGATE_VERIFIER],
  };
}

/**
 * tokengate for NestJS: import it once, in the root module, and every HTTP route requires a
 * valid bearer token. A global guard (`APP_GUARD`) authenticates with the core (no `app.use`
 * needed), on `@nestjs/platform-express` and `@nestjs/platform-fastify`, Nest 11 and 12;
 * `@Public()` opts routes out, `@RequireScope(...)` and the other requirement decorators add
 * checks at class and method level, `@Auth()` injects the context. Refusals answer with the
 * status, `WWW-Authenticate`/`Retry-After` and JSON body of every tokengate adapter.
 *
 * @example
 * ```ts
 * @Module({
 *   imports: [TokengateModule.forRoot({ issuer: 'https://idp.example.com/', audience: 'api://orders' })],
 *   controllers: [OrdersController],
 * })
 * export class AppModule {}
 * ```
 */
// biome-ignore lint/complexity/noStaticOnlyClass: a Nest module is a class; forRoot/forRootAsync are Nest's idiom.
export class TokengateModule {
  /**
   * The module with these options.
   * @throws TypeError at start-up when an option is invalid.
   */
  static forRoot(options: TokengateModuleOptions): DynamicModule {
    return build([{ provide: TOKENGATE_OPTIONS, useValue: options }]);
  }

  /**
   * The module with options made by a factory, e.g. from `ConfigService`.
   *
   * @example
   * ```ts
   * TokengateModule.forRootAsync({
   *   imports: [ConfigModule],
   *   inject: [ConfigService],
   *   useFactory: (config: ConfigService) => ({
   *     issuer: config.getOrThrow<string>('OIDC_ISSUER'),
   *     audience: config.getOrThrow<string>('API_AUDIENCE'),
   *   }),
   * })
   * ```
   */
  static forRootAsync(options: TokengateModuleAsyncOptions): DynamicModule {
    return build(
      [{ provide: TOKENGATE_OPTIONS, useFactory: options.useFactory, inject: options.inject ?? [] }],
      options.imports,
    );
  }
}
// A Nest module (decorated by a call: this package is compiled without decorator syntax).
Module({})(TokengateModule);
