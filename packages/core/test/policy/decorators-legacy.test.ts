/**
 * Compiled by TypeScript with `@experimentalDecorators` (see vitest.config.ts): the same
 * decorators work for apps still on legacy decorators, and keep the `Reflect` metadata other
 * legacy decorators (NestJS's `@Get()`) put on the method, whichever is written first.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuthContext } from '../../src/context/types.js';
import type { AuthError } from '../../src/errors/auth-error.js';
import { guardDecorator } from '../../src/policy/decorators.js';
import { requireScope } from '../../src/policy/guards.js';
import { attachOutcome } from '../../src/request/outcome.js';

class FakeRequest {}
const binding = {
  framework: 'Fake',
  shape: '(request)',
  requestOf: (value: unknown) => (value instanceof FakeRequest ? value : undefined),
  fail: (error: AuthError) => ({ refused: error.code }),
};

function authed(auth: AuthContext<any> | undefined): FakeRequest {
  const request = new FakeRequest();
  attachOutcome(request, auth, undefined, { realm: undefined, resourceMetadata: undefined });
  return request;
}

/**
 * The part of reflect-metadata's API that NestJS's `@Get()` and `@SetMetadata()` use, on a
 * function target (`Reflect.defineMetadata(PATH_METADATA, path, descriptor.value)`).
 */
const store = new WeakMap<object, Map<unknown, unknown>>();
const shim = {
  defineMetadata: (key: unknown, value: unknown, target: object) => {
    if (!store.has(target)) store.set(target, new Map());
    store.get(target)!.set(key, value);
  },
  getOwnMetadata: (key: unknown, target: object) => store.get(target)?.get(key),
  getOwnMetadataKeys: (target: object) => [...(store.get(target)?.keys() ?? [])],
};
const reflect = Reflect as unknown as Record<string, unknown>;
beforeAll(() => {
  Object.assign(reflect, shim);
});
afterAll(() => {
  for (const key of Object.keys(shim)) delete reflect[key];
});

/**
 * Nest's `@Get(path)`, as it is written: metadata on the method function itself. (Typed loosely:
 * the type-check project reads this file as TC39 decorators, vitest compiles it in legacy mode.)
 */
function Get(path: string): (...args: any[]) => any {
  return (_target: object, _key: string | symbol, descriptor: PropertyDescriptor) => {
    shim.defineMetadata('path', path, descriptor.value as object);
    shim.defineMetadata('method', 'GET', descriptor.value as object);
    return descriptor;
  };
}

class Orders {
  @guardDecorator(requireScope('orders:read'), binding)
  list(_req: FakeRequest) {
    return { ok: true };
  }
}

describe('guardDecorator compiled with experimentalDecorators', () => {
  it('runs the guard on what jwtAuth concluded about the request', () => {
    expect(new Orders().list(authed(context(['orders:read'])))).toEqual({ ok: true });
    expect(new Orders().list(new FakeRequest())).toEqual({ refused: 'missing_token' });
    expect(new Orders().list(authed(context(['x'])))).toEqual({ refused: 'insufficient_scope' });
    expect(() => new Orders().list({ auth: context(['orders:read']) } as never)).toThrow(TypeError);
  });

  it('keeps Reflect metadata on the method, with the guard above or below @Get()', () => {
    class Controller {
      @guardDecorator(requireScope('orders:read'), binding)
      @Get('/above')
      above(_req: FakeRequest) {
        return 'above';
      }
      @Get('/below')
      @guardDecorator(requireScope('orders:read'), binding)
      below(_req: FakeRequest) {
        return 'below';
      }
    }
    for (const [name, path] of [
      ['above', '/above'],
      ['below', '/below'],
    ] as const) {
      const method = Controller.prototype[name];
      expect(shim.getOwnMetadata('path', method)).toBe(path);
      expect(shim.getOwnMetadata('method', method)).toBe('GET');
      expect(method(authed(context(['orders:read'])))).toBe(name);
      expect(method(authed(context([])))).toEqual({ refused: 'insufficient_scope' });
    }
  });

  it('was really compiled in legacy mode (the decorator got a property descriptor)', () => {
    const seen: unknown[] = [];
    const spy = (...args: unknown[]) => {
      seen.push(args.length, typeof args[2]);
    };
    class Probe {
      @spy
      method() {}
    }
    expect(new Probe()).toBeInstanceOf(Probe);
    expect(seen).toEqual([3, 'object']);
  });
});

function context(scopes: string[]): AuthContext<any> {
  return {
    scopes: new Set(scopes),
    roles: new Set(),
    payload: {},
    tokenType: 'jwt',
    binding: 'bearer',
  } as unknown as AuthContext<any>;
}
