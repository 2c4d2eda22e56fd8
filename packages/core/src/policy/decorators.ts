import type { AuthContext } from '../context/types.js';
import type { AuthError } from '../errors/auth-error.js';
import type { Guard } from './guards.js';

/**
 * How an adapter's decorators read a handler call: where the auth context is, and how a refusal
 * is answered (Express: `next(error)`; Koa: throw; Hono: throw an `HTTPException`).
 *
 * @typeParam Args - the handler's arguments (`[req, res, next]`, `[ctx, next]`, `[c]`).
 */
export interface GuardBinding<Args extends readonly unknown[] = any[]> {
  /** The context `jwtAuth` stored on the request, or `undefined` when there is none. */
  getAuth(args: Args): AuthContext<any> | undefined;
  /** Answers a refused call; its return value becomes the handler's. May throw. */
  fail(error: AuthError, args: Args): unknown;
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

/**
 * Builds a method decorator that runs `guard` before a class-based route handler and answers a
 * refusal exactly as the adapter's guard middleware would (401 without a context, 403 when the
 * check fails). The shared logic of every adapter's `@RequireScope(...)`, `@RequireRole(...)`,
 * `@Authenticated()`…; adapters only supply the {@link GuardBinding}.
 *
 * @example
 * ```ts
 * const binding: GuardBinding<[Request, Response, NextFunction]> = {
 *   getAuth: ([req]) => req.auth,
 *   fail: (error, [, , next]) => next(error),
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
    return {
      [name](this: unknown, ...args: unknown[]) {
        const error = guard.check(binding.getAuth(args as unknown as Args), args[0]);
        if (error) return binding.fail(error, args as unknown as Args);
        return method.apply(this, args);
      },
    }[name]!;
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
