import {
  createRevocationChanges,
  type Instant,
  isRevokedBy,
  REVOCATION_LEEWAY_SECONDS,
  type RevocationStore,
  SESSION_RETENTION_SECONDS,
  toEpochSeconds,
  validateRevocationId,
} from './store.js';

/** Options of {@link createMemoryRevocationStore}. */
export interface MemoryRevocationStoreOptions {
  /**
   * Most revoked `jti`s kept; past it the entries closest to expiry are dropped first. Revoked
   * sessions have a bound of their own of the same size (the oldest cut-off is dropped first).
   * @default 100000
   */
  maxEntries?: number;
  /** Clock, for tests. @default Date.now */
  now?: () => number;
}

/**
 * A bounded in-process {@link RevocationStore}: right for one instance, tests and demos. For
 * several instances, use `@tokengate/redis`.
 *
 * `revoke` costs O(log n) amortised, full or not: entries are kept in a min-heap by expiry, so
 * forgetting expired entries and evicting the one closest to expiry never scans the table.
 *
 * @example
 * ```ts
 * const revocation = createMemoryRevocationStore();
 * app.use(jwtAuth({ secret, revocation }));
 * app.post('/logout', async (req, res) => {
 *   await revocation.revoke(req.auth.payload.jti, req.auth.payload.exp);
 *   res.sendStatus(204);
 * });
 * ```
 */
export function createMemoryRevocationStore(options: MemoryRevocationStoreOptions = {}): RevocationStore & {
  /** Number of revoked `jti`s held. */
  readonly size: number;
  /** Number of revoked sessions held. */
  readonly sessionCount: number;
  /**
   * Revokes a login session's tokens (see `RevocationStore.revokeSession`); remembered
   * `SESSION_RETENTION_SECONDS` (24 hours, plus two leeways) past the cut-off, at most `maxEntries`
   * sessions (the oldest cut-off is forgotten first).
   */
  revokeSession(sid: string, issuedBefore?: Instant): Promise<void>;
} {
  const maxEntries = options.maxEntries ?? 100_000;
  if (!Number.isInteger(maxEntries) || maxEntries < 1) {
    throw new TypeError('createMemoryRevocationStore: maxEntries must be a positive integer');
  }
  const now = options.now ?? Date.now;
  const jtis = new Map<string, number>();
  const byExpiry = new ExpiryHeap();
  const subjects = new Map<string, number>();
  /** Session cut-offs in insertion order: revoked at `now` as a rule, so oldest first. */
  const sessions = new Map<string, number>();
  const sessionLife = SESSION_RETENTION_SECONDS + 2 * REVOCATION_LEEWAY_SECONDS;

  /** Forgets sessions whose tokens have all expired, and the oldest past the bound. */
  function pruneSessions(nowSeconds: number): void {
    for (const [sid, cutoff] of sessions) {
      if (cutoff + sessionLife > nowSeconds && sessions.size < maxEntries) break;
      sessions.delete(sid);
    }
  }
  /** The clock of the `isRevoked` call in progress: read once per call. */
  let checkedAt = 0;
  const sessionCutoff = (sid: string): number | undefined => {
    const cutoff = sessions.get(sid);
    return cutoff !== undefined && cutoff + sessionLife > checkedAt ? cutoff : undefined;
  };
  const changes = createRevocationChanges();

  /** Drops heap entries that no longer describe the table (the jti was revoked again, later). */
  function current(entry: HeapEntry): boolean {
    return jtis.get(entry.jti) === entry.until;
  }

  function prune(nowSeconds: number): void {
    for (let top = byExpiry.peek(); top !== undefined; top = byExpiry.peek()) {
      if (!current(top)) byExpiry.pop();
      else if (top.until + REVOCATION_LEEWAY_SECONDS <= nowSeconds || jtis.size >= maxEntries) {
        byExpiry.pop();
        jtis.delete(top.jti);
      } else break;
    }
  }

  return {
    get size() {
      return jtis.size;
    },
    get sessionCount() {
      return sessions.size;
    },
    async revoke(jti, until) {
      validateRevocationId(jti, 'revoke', 'jti');
      const untilSeconds = toEpochSeconds(until);
      const nowSeconds = now() / 1000;
      if (untilSeconds + REVOCATION_LEEWAY_SECONDS <= nowSeconds) return;
      const previous = jtis.get(jti);
      if (previous !== undefined && previous >= untilSeconds) return;
      if (previous === undefined && jtis.size >= maxEntries) prune(nowSeconds);
      jtis.set(jti, untilSeconds);
      byExpiry.push({ jti, until: untilSeconds });
      // A jti revoked again (later) leaves a stale heap entry behind; once stale entries outnumber
      // the live ones, rebuild (O(n) after at least n revokes: amortised O(1)).
      if (byExpiry.size > 2 * jtis.size + 64) {
        byExpiry.rebuild([...jtis].map(([id, value]) => ({ jti: id, until: value })));
      }
      changes.notify({ claim: 'jti', value: jti });
    },
    async revokeSubject(sub, issuedBefore = new Date(now())) {
      validateRevocationId(sub, 'revokeSubject', 'sub');
      const cutoff = toEpochSeconds(issuedBefore);
      subjects.set(sub, Math.max(cutoff, subjects.get(sub) ?? Number.NEGATIVE_INFINITY));
      changes.notify({ claim: 'sub', value: sub });
    },
    async revokeSession(sid, issuedBefore = new Date(now())) {
      validateRevocationId(sid, 'revokeSession', 'sid');
      const cutoff = toEpochSeconds(issuedBefore);
      const nowSeconds = now() / 1000;
      if (cutoff + sessionLife <= nowSeconds) return;
      const previous = sessions.get(sid);
      if (previous !== undefined && previous >= cutoff) return;
      sessions.delete(sid); // re-inserted last: the map stays in (roughly) cut-off order
      pruneSessions(nowSeconds);
      sessions.set(sid, cutoff);
      changes.notify({ claim: 'sid', value: sid });
    },
    subscribe: changes.subscribe,
    isRevoked(auth, check) {
      checkedAt = now() / 1000;
      return isRevokedBy(
        auth,
        (jti) => jtis.get(jti),
        (sub) => subjects.get(sub),
        checkedAt,
        check?.clockTolerance,
        sessionCutoff,
      );
    },
    async close() {
      jtis.clear();
      subjects.clear();
      sessions.clear();
      byExpiry.rebuild([]);
    },
  };
}

interface HeapEntry {
  readonly jti: string;
  readonly until: number;
}

/** A binary min-heap of revoked `jti`s by `until`. */
class ExpiryHeap {
  #items: HeapEntry[] = [];

  get size(): number {
    return this.#items.length;
  }

  peek(): HeapEntry | undefined {
    return this.#items[0];
  }

  push(entry: HeapEntry): void {
    const items = this.#items;
    let i = items.push(entry) - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (items[parent]!.until <= entry.until) break;
      items[i] = items[parent]!;
      i = parent;
    }
    items[i] = entry;
  }

  pop(): HeapEntry | undefined {
    const items = this.#items;
    const top = items[0];
    const last = items.pop();
    if (items.length > 0 && last !== undefined) this.#siftDown(0, last);
    return top;
  }

  rebuild(entries: HeapEntry[]): void {
    this.#items = entries;
    for (let i = (entries.length >> 1) - 1; i >= 0; i--) this.#siftDown(i, entries[i]!);
  }

  #siftDown(start: number, entry: HeapEntry): void {
    const items = this.#items;
    const n = items.length;
    let i = start;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      if (child + 1 < n && items[child + 1]!.until < items[child]!.until) child++;
      if (items[child]!.until >= entry.until) break;
      items[i] = items[child]!;
      i = child;
    }
    items[i] = entry;
  }
}
