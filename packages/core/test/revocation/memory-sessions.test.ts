import { describe, expect, it } from 'vitest';
import { REVOCATION_LEEWAY_SECONDS } from '../../src/adapter.js';
import { createMemoryRevocationStore, SESSION_RETENTION_SECONDS } from '../../src/index.js';

const auth = (payload: Record<string, unknown>) => ({ payload }) as never;

describe('the memory store: revokeSession', () => {
  it('revokes tokens of the session issued up to the cut-off plus clockTolerance, and tokens without iat', async () => {
    let now = 1_800_000_000_000;
    const store = createMemoryRevocationStore({ now: () => now });
    const t = now / 1000;
    await store.revokeSession('s', t);
    expect(store.isRevoked(auth({ sid: 's', iat: t - 100 }))).toBe(true);
    expect(store.isRevoked(auth({ sid: 's', iat: t + 5 }))).toBe(true); // within the default 5 s
    expect(store.isRevoked(auth({ sid: 's', iat: t + 6 }))).toBe(false);
    expect(store.isRevoked(auth({ sid: 's', iat: t + 20 }), { clockTolerance: 30 })).toBe(true);
    expect(store.isRevoked(auth({ sid: 's' }))).toBe(true);
    expect(store.isRevoked(auth({ sid: 'other', iat: t - 100 }))).toBe(false);
    expect(store.isRevoked(auth({ sub: 's', iat: t - 100 }))).toBe(false); // a sub is not a sid
    // forgotten once every token issued before it has expired
    now = (t + SESSION_RETENTION_SECONDS + 2 * REVOCATION_LEEWAY_SECONDS - 1) * 1000;
    expect(store.isRevoked(auth({ sid: 's', iat: t - 100 }))).toBe(true);
    now += 1000;
    expect(store.isRevoked(auth({ sid: 's', iat: t - 100 }))).toBe(false);
    await store.revokeSession('next');
    expect(store.sessionCount).toBe(1); // the expired one was dropped
  });

  it('keeps the later cut-off, refuses bad identifiers, and stays within maxEntries', async () => {
    const store = createMemoryRevocationStore({ maxEntries: 3 });
    const t = Math.floor(Date.now() / 1000);
    await store.revokeSession('s', t);
    await store.revokeSession('s', t - 1000);
    expect(store.isRevoked(auth({ sid: 's', iat: t - 1 }))).toBe(true);
    await expect(store.revokeSession('')).rejects.toThrow(TypeError);
    await expect(store.revokeSession('a\ud800')).rejects.toThrow(TypeError);
    for (let i = 0; i < 10; i++) await store.revokeSession(`s${i}`);
    expect(store.sessionCount).toBe(3);
    expect(store.isRevoked(auth({ sid: 's9', iat: t - 1 }))).toBe(true);
  });
});
