import { describe, expect, it } from 'vitest';
import type { AuthContext } from '../../src/context/types.js';
import { type AuthError, isAuthError } from '../../src/errors/auth-error.js';
import { guardDecorator } from '../../src/policy/decorators.js';
import { requireAuth, requireRole, requireScope } from '../../src/policy/guards.js';

/** A framework-free handler shape: `(request, reply)`; refusals are returned as `{ refused }`. */
interface FakeRequest {
  auth?: AuthContext<any>;
}
const binding = {
  getAuth: ([req]: [FakeRequest, string]) => req.auth,
  fail: (error: AuthError, [, tag]: [FakeRequest, string]) => ({ refused: error, tag }),
};

function context(scopes: string[], roles: string[] = []): AuthContext<any> {
  return {
    token: 't',
    header: { alg: 'HS256' },
    claims: {},
    payload: {},
    subject: 'alice',
    issuer: undefined,
    scopes: new Set(scopes),
    roles: new Set(roles),
    expiresAt: undefined,
    binding: 'bearer',
    jkt: undefined,
  };
}

class Orders {
  prefix = 'orders';
  @guardDecorator(requireScope('orders:read'), binding)
  list(req: FakeRequest, tag: string) {
    return { ok: `${this.prefix}:${tag}:${req.auth?.subject}` };
  }
  @guardDecorator(requireAuth(), binding)
  @guardDecorator(requireRole('admin'), binding)
  remove(_req: FakeRequest, tag: string) {
    return { ok: tag };
  }
}

describe('guardDecorator (TC39 standard decorators)', () => {
  const orders = new Orders();

  it('calls the method with its this and arguments when the guard passes', () => {
    expect(orders.list({ auth: context(['orders:read']) }, 'a')).toEqual({ ok: 'orders:a:alice' });
  });

  it('answers 403 through fail() when the guard refuses, without calling the method', () => {
    const result = orders.list({ auth: context(['profile']) }, 'b') as unknown as {
      refused: AuthError;
      tag: string;
    };
    expect(isAuthError(result.refused)).toBe(true);
    expect(result.refused.status).toBe(403);
    expect(result.refused.code).toBe('insufficient_scope');
    expect(result.refused.headers['WWW-Authenticate']).toContain('scope="orders:read"');
    expect(result.tag).toBe('b');
  });

  it('answers 401 without an auth context', () => {
    const result = orders.list({}, 'c') as unknown as { refused: AuthError };
    expect(result.refused.status).toBe(401);
    expect(result.refused.code).toBe('missing_token');
  });

  it('stacks: the outer guard runs first', () => {
    const anonymous = orders.remove({}, 'd') as unknown as { refused: AuthError };
    expect(anonymous.refused.code).toBe('missing_token');
    const user = orders.remove({ auth: context([], ['user']) }, 'e') as unknown as { refused: AuthError };
    expect(user.refused.code).toBe('insufficient_role');
    expect(orders.remove({ auth: context([], ['admin']) }, 'f')).toEqual({ ok: 'f' });
  });

  it('keeps the method name', () => {
    expect(Orders.prototype.list.name).toBe('list');
  });

  it('refuses anything but a method', () => {
    const decorator = guardDecorator(requireAuth(), binding);
    const field = { kind: 'field', name: 'x' } as unknown as ClassMethodDecoratorContext;
    expect(() => decorator(() => 1, field)).toThrow(TypeError);
  });
});

describe('guardDecorator (legacy experimentalDecorators call shape)', () => {
  it('wraps descriptor.value and keeps the other descriptor fields', () => {
    const decorator = guardDecorator(requireScope('orders:read'), binding);
    const method = function list(this: { prefix: string }, _req: FakeRequest, tag: string) {
      return { ok: `${this.prefix}:${tag}` };
    };
    const descriptor = decorator({}, 'list', {
      value: method,
      writable: true,
      configurable: true,
      enumerable: false,
    });
    expect(descriptor.writable).toBe(true);
    expect(descriptor.enumerable).toBe(false);
    const wrapped = descriptor.value as typeof method;
    expect(wrapped.call({ prefix: 'p' }, { auth: context(['orders:read']) }, 'x')).toEqual({ ok: 'p:x' });
    const refused = wrapped.call({ prefix: 'p' }, { auth: context([]) }, 'y') as unknown as {
      refused: AuthError;
    };
    expect(refused.refused.code).toBe('insufficient_scope');
  });

  it('refuses a descriptor without a function', () => {
    const decorator = guardDecorator(requireAuth(), binding);
    expect(() => decorator({}, 'x', { get: () => 1 })).toThrow(TypeError);
  });
});
