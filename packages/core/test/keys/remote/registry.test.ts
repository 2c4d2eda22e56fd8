/**
 * Shared remote sources: one per URL and resolved options (functions by identity, header order
 * and listeners irrelevant), at most REGISTRY_LIMIT of them, the oldest forgotten first.
 */
import { describe, expect, it } from 'vitest';
import { resolveRemoteOptions } from '../../../src/keys/remote/options.js';
import { optionsKey, REGISTRY_LIMIT, SharedRegistry } from '../../../src/keys/remote/registry.js';

const URL_A = 'https://idp.example.com/jwks';

describe('optionsKey', () => {
  it('is equal for equal options, whatever the header order or the listener', () => {
    const fetchA = async () => new Response('{}');
    const a = resolveRemoteOptions({ fetch: fetchA, headers: { b: '2', a: '1' }, onEvent: () => {} });
    const b = resolveRemoteOptions({ fetch: fetchA, headers: { a: '1', b: '2' } });
    expect(optionsKey(a)).toBe(optionsKey(b));
  });

  it('differs for another fetch function, clock, duration or header value', () => {
    const base = optionsKey(resolveRemoteOptions({}));
    const others = [
      { fetch: async () => new Response('{}') },
      { now: () => 0 },
      { cooldownDuration: '29999ms' },
      { cacheMaxAge: Number.POSITIVE_INFINITY },
      { staleIfError: 0 },
      { headers: { a: '1' } },
    ];
    const keys = others.map((o) => optionsKey(resolveRemoteOptions(o)));
    expect(new Set([base, ...keys]).size).toBe(others.length + 1);
  });
});

describe('SharedRegistry', () => {
  it('creates one source per URL and options, and hands it to every later caller', () => {
    const registry = new SharedRegistry<object>();
    const options = resolveRemoteOptions({});
    let created = 0;
    const create = () => ({ n: ++created });
    const first = registry.get(URL_A, options, create);
    expect(registry.get(URL_A, resolveRemoteOptions({}), create)).toBe(first);
    expect(registry.get(`${URL_A}2`, options, create)).not.toBe(first);
    expect(registry.get(URL_A, resolveRemoteOptions({ timeoutDuration: '1ms' }), create)).not.toBe(first);
    expect(created).toBe(3);
  });

  it(`keeps at most ${REGISTRY_LIMIT} sources, forgetting the oldest first`, () => {
    const registry = new SharedRegistry<{ i: number }>();
    const options = resolveRemoteOptions({});
    const first = registry.get(`${URL_A}/0`, options, () => ({ i: 0 }));
    for (let i = 1; i <= REGISTRY_LIMIT; i++) registry.get(`${URL_A}/${i}`, options, () => ({ i }));
    expect(registry.size).toBe(REGISTRY_LIMIT);
    const again = registry.get(`${URL_A}/0`, options, () => ({ i: -1 }));
    expect(again).not.toBe(first);
    expect(registry.get(`${URL_A}/${REGISTRY_LIMIT}`, options, () => ({ i: -2 })).i).toBe(REGISTRY_LIMIT);
  });
});
