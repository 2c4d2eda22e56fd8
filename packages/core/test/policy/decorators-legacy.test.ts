/**
 * Compiled by TypeScript with `@experimentalDecorators` (see vitest.config.ts): the same
 * decorators work for apps still on legacy decorators.
 */
import { describe, expect, it } from 'vitest';
import type { AuthContext } from '../../src/context/types.js';
import type { AuthError } from '../../src/errors/auth-error.js';
import { guardDecorator } from '../../src/policy/decorators.js';
import { requireScope } from '../../src/policy/guards.js';

const binding = {
  getAuth: ([req]: [{ auth?: AuthContext<any> }]) => req.auth,
  fail: (error: AuthError) => ({ refused: error.code }),
};

class Orders {
  @guardDecorator(requireScope('orders:read'), binding)
  list(_req: { auth?: AuthContext<any> }) {
    return { ok: true };
  }
}

describe('guardDecorator compiled with experimentalDecorators', () => {
  it('runs the guard', () => {
    const auth = { scopes: new Set(['orders:read']), roles: new Set() } as unknown as AuthContext<any>;
    expect(new Orders().list({ auth })).toEqual({ ok: true });
    expect(new Orders().list({})).toEqual({ refused: 'missing_token' });
    const other = { scopes: new Set(['x']), roles: new Set() } as unknown as AuthContext<any>;
    expect(new Orders().list({ auth: other })).toEqual({ refused: 'insufficient_scope' });
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
