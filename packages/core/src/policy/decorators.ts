import type { AuthError } from '../errors/auth-error.js';
import { checkRequest, type Guard } from './guards.js';

/**
 * How an adapter's decorators read a handler call: which argument is its framework's request,
 * and how a refusal is answered (Express: `next(error)`; Koa: throw; Hono: throw an
 * `HTTPException`). The context itself is never read from the arguments: it is what `jwtAuth`
 * concluded about the request found (see `outcomeOf`).
 *
 * @typeParam Args - the handler's arguments (`[req, res, next]`, `[ctx, next]`, `[c]`).
 */
export interface GuardBinding<Args extends readonly unknown[] = any[]> {
  /** The framework, for error messages: `'Express'`, `'Koa'`, `'Hono'`. */
  readonly framework: string;
  /** The handler shape the framework calls, for error messages: `'(req, res, next)'`. */
  readonly shape: string;
  /**
   * The framework's request object that `value` is (or belongs to), or `undefined`. It must
   * recognise only what the framework made (Express: `req.res.req === req`): request input
   * (a parsed body, query, parameters, headers) never qualifies.
   */
  requestOf(value: unknown): object | undefined;
  /**
   * Answers a refused call; its return value becomes the handler's. May throw. `request` is the
   * argument {@link requestOf} recognised, `args` the call's arguments as they came.
   */
  fail(error: AuthError, request: object, args: Args): unknown;
}

/**
 * A method decorator usable both as a TC39 standard decorator (TypeScript 5+ without
 * `experimentalDecorators`) and as a legacy `experimentalDecorators` one.
 */
export interface HandlerDecorator {
  /**
   * TC39 standard decorator form: `(method, context) → replacement`.
   * @typeParam F - the decorated handler's type, kept as is.
   */
  <F extends (this: any, ...args: any[]) => any>(method: F, context: ClassMethodDecoratorContext): F;
  /**
   * Legacy `experimentalDecorators` form: `(prototype, key, descriptor) → descriptor`.
   * @typeParam T - the decorated method's type.
   */
  <T>(
    target: object,
    key: string | symbol,
    descriptor: TypedPropertyDescriptor<T>,
  ): TypedPropertyDescriptor<T>;
}

function isDecoratorContext(value: unknown): value is ClassMethodDecoratorContext {
  return typeof value === 'object' && value !== null && 'kind' in value;
}

/** The decorator's name as users write it, from the guard it enforces. */
function decoratorName(guard: Guard): string {
  if (guard.kind === 'authenticated') return 'Authenticated';
  if (guard.kind === 'claims') return 'RequireClaims';
  const noun = guard.kind === 'scope' ? 'Scope' : 'Role';
  return guard.mode === 'any' ? `RequireAny${noun}` : `Require${noun}`;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value !== 'object') return typeof value;
  const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
  return typeof name === 'string' && name !== '' && name !== 'Object' ? `a ${name}` : 'a plain object';
}

/**
 * The error of a decorated method called without its framework's request: an app wiring
 * problem (NestJS or routing-controllers parameter injection, a handler called by hand), not a
 * client's. Fails closed: the handler does not run.
 */
function notHandedRequest(
  guard: Guard,
  binding: { readonly framework: string; readonly shape: string },
  method: string,
  args: unknown[],
): TypeError {
  const got = args.length === 0 ? 'no arguments' : args.map(describe).join(', ');
  return new TypeError(
    `tokengate: @${decoratorName(guard)}() on ${method}() was not handed the ${binding.framework} ` +
      `request (got ${got}), so it cannot know who is calling; the handler did not run. Call the ` +
      `method with the framework's own request as an argument, as in ${binding.shape}. In NestJS, ` +
      'use @tokengate/nestjs (its guard reads the request itself) or add @Req() as a parameter.',
  );
}

/**
 * Makes `wrapper` stand where `method` stood for everything other decorators stored on it: its
 * `name` and `length`, own properties (some decorators tag the function), and legacy `Reflect`
 * metadata (`reflect-metadata`: NestJS's `@Get()` keeps the route there, on the function), so
 * that a guard decorator written above or below them never drops a route. TC39
 * `context.metadata` lives on the class and is untouched.
 */
function standIn(wrapper: Function, method: Function): Function {
  for (const key of Reflect.ownKeys(method)) {
    if (key === 'prototype') continue;
    const descriptor = Object.getOwnPropertyDescriptor(method, key)!;
    if (key === 'name' || key === 'length') Object.defineProperty(wrapper, key, descriptor);
    else if (!Object.hasOwn(wrapper, key)) Object.defineProperty(wrapper, key, descriptor);
  }
  const metadata = Reflect as unknown as {
    getOwnMetadataKeys?: (target: object) => unknown[];
    getOwnMetadata?: (key: unknown, target: object) => unknown;
    defineMetadata?: (key: unknown, value: unknown, target: object) => void;
  };
  if (
    typeof metadata.getOwnMetadataKeys === 'function' &&
    typeof metadata.getOwnMetadata === 'function' &&
    typeof metadata.defineMetadata === 'function'
  ) {
    for (const key of metadata.getOwnMetadataKeys(method)) {
      metadata.defineMetadata(key, metadata.getOwnMetadata(key, method), wrapper);
    }
  }
  return wrapper;
}

/**
 * Builds a method decorator that runs `guard` before a class-based route handler and answers a
 * refusal exactly as the adapter's guard middleware would (401 without a context, 403 when the
 * check fails). The shared logic of every adapter's `@RequireScope(...)`, `@RequireRole(...)`,
 * `@Authenticated()`…; adapters only supply the {@link GuardBinding}.
 *
 * The context is what `jwtAuth` concluded about the framework request found among the
 * arguments, never an `auth` member of an argument. A call without that request (a NestJS
 * method whose parameters are `@Body()` or `@Param()`) throws a `TypeError` naming the fix, and
 * the handler does not run.
 *
 * @example
 * ```ts
 * const binding: GuardBinding<[Request, Response, NextFunction]> = {
 *   framework: 'Express',
 *   shape: '(req, res, next)',
 *   requestOf: (value) => (isExpressRequest(value) ? value : undefined),
 *   fail: (error, req) => req.next(error),
 * };
 * export const RequireScope = (...scopes: string[]) => guardDecorator(requireScope(...scopes), binding);
 * ```
 */
export function guardDecorator<Args extends readonly unknown[]>(
  guard: Guard,
  binding: GuardBinding<Args>,
): HandlerDecorator {
  const wrap = (method: Function): Function => {
    const name = method.name || 'handler';
    const wrapper = {
      [name](this: unknown, ...args: unknown[]) {
        let request: object | undefined;
        for (let i = 0; i < args.length && request === undefined; i++) request = binding.requestOf(args[i]);
        if (request === undefined) {
          const owner = (this as { constructor?: { name?: unknown } } | undefined)?.constructor?.name;
          const where = typeof owner === 'string' && owner !== 'Object' ? `${owner}.${name}` : name;
          throw notHandedRequest(guard, binding, where, args);
        }
        const error = checkRequest(guard, request);
        if (error) return binding.fail(error, request, args as unknown as Args);
        return method.apply(this, args);
      },
    }[name]!;
    return standIn(wrapper, method);
  };
  return function tokengateDecorator(value: unknown, context: unknown, descriptor?: PropertyDescriptor) {
    if (isDecoratorContext(context)) {
      if (context.kind !== 'method' || typeof value !== 'function') {
        throw new TypeError(`tokengate: guard decorators apply to methods, not to a ${context.kind}`);
      }
      return wrap(value);
    }
    if (typeof descriptor?.value !== 'function') {
      throw new TypeError('tokengate: guard decorators apply to methods');
    }
    return { ...descriptor, value: wrap(descriptor.value) };
  } as HandlerDecorator;
}
