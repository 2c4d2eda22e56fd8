import { describe, expect, it } from 'vitest';
import { resolveAuthorizedList } from '../../src/policy/authorized-list.js';

describe('resolveAuthorizedList (routing-controllers @Authorized lists)', () => {
  it('scopes and `role:` entries become one scope guard and one role guard, each needing every entry', () => {
    const guards = resolveAuthorizedList(['orders:read', 'role:admin', 'orders:write', 'role:support']);
    expect(guards.map((g) => [g.kind, g.mode, g.scopes, g.roles])).toEqual([
      ['scope', 'all', ['orders:read', 'orders:write'], []],
      ['role', 'all', [], ['admin', 'support']],
    ]);
  });

  it('an empty list needs authentication only', () => {
    expect(resolveAuthorizedList([]).map((g) => g.kind)).toEqual(['authenticated']);
  });

  it('a scope that merely contains `role:` later is a scope; `Role:` is a scope (the prefix is exact)', () => {
    const guards = resolveAuthorizedList(['x:role:admin', 'Role:admin']);
    expect(guards.map((g) => [g.kind, g.scopes])).toEqual([['scope', ['x:role:admin', 'Role:admin']]]);
  });

  it.each([
    [['']],
    [['role:']],
    [[1]],
    [[null]],
    [[['orders:read']]],
    ['orders:read' as unknown as unknown[]],
  ])('refuses %j with a TypeError', (entries) => {
    expect(() => resolveAuthorizedList(entries as unknown[])).toThrow(TypeError);
  });
});
