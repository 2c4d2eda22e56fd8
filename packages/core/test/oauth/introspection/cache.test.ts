import { describe, expect, it } from 'vitest';
import { IntrospectionCache, REFUSAL_MAX_AGE, reuseUntil } from '../../../src/oauth/introspection/cache.js';

describe('IntrospectionCache', () => {
  it('keeps at most maxEntries answers, dropping the oldest first', () => {
    const cache = new IntrospectionCache(3);
    for (let i = 0; i < 5; i++) cache.set(`h${i}`, { active: true }, 100, 0);
    expect(cache.size).toBe(3);
    expect(cache.get('h0', 1)).toBeUndefined();
    expect(cache.get('h1', 1)).toBeUndefined();
    expect(cache.get('h4', 1)?.answer).toEqual({ active: true });
  });

  it('serves an entry until its instant, not from it on, and stores nothing already over', () => {
    const cache = new IntrospectionCache(10);
    cache.set('h', null, 10, 0);
    expect(cache.get('h', 9.999)).toBeDefined();
    expect(cache.get('h', 10)).toBeUndefined();
    cache.set('gone', null, 5, 5);
    expect(cache.size).toBe(0);
  });

  it('reuses an answer until cacheMaxAge or exp, whichever is first; a refusal 10 s at most', () => {
    expect(reuseUntil({ active: true, exp: 1030 }, 1000, 60)).toBe(1030);
    expect(reuseUntil({ active: true, exp: 5000 }, 1000, 60)).toBe(1060);
    expect(reuseUntil({ active: true }, 1000, 60)).toBe(1060);
    expect(reuseUntil(null, 1000, 60)).toBe(1000 + REFUSAL_MAX_AGE);
    expect(reuseUntil(null, 1000, 3)).toBe(1003);
    expect(reuseUntil({ active: true, exp: 5000 }, 1000, 0)).toBe(1000);
  });

  it('runs one request per key at a time and forgets it once settled, failed or not', async () => {
    const cache = new IntrospectionCache(10);
    let calls = 0;
    const ask = () => {
      calls++;
      return new Promise<null>((resolve) => setTimeout(() => resolve(null), 10));
    };
    await Promise.all([cache.flight('k', ask), cache.flight('k', ask), cache.flight('k', ask)]);
    expect(calls).toBe(1);
    await expect(cache.flight('k', () => Promise.reject(new Error('down')))).rejects.toThrow('down');
    await cache.flight('k', ask);
    expect(calls).toBe(2);
  });
});
