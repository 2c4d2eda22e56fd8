import type { AuthContext } from '@tokengate/core';
import { isRevokedBy, REVOCATION_LEEWAY_SECONDS, SESSION_RETENTION_SECONDS } from '@tokengate/core/adapter';

/** One revocation as stored in Redis and announced on the channel. */
export interface RevocationEntry {
  /**
   * `jti`: one token; `sub`: every token of a subject issued before `value`; `sid`: every token of
   * a login session issued before `value` (back-channel logout).
   */
  readonly kind: 'jti' | 'sub' | 'sid';
  /** The `jti`, the `sub` or the `sid`. */
  readonly id: string;
  /** For `jti`: `until` (seconds since the epoch); for `sub` and `sid`: the `iat` cut-off (seconds). */
  readonly value: number;
}

/**
 * The in-process copy of the revocation list: answers `isRevoked` without a network round trip.
 * Entries are forgotten when they stop mattering (see {@link entryExpiresAt}), never because Redis
 * lost them: a reload only adds to the copy, and what Redis lacks is written back.
 */
export class RevocationMirror {
  readonly #jtis = new Map<string, number>();
  readonly #subjects = new Map<string, number>();
  readonly #sessions = new Map<string, number>();
  readonly #maxTokenLifetime: number | undefined;
  readonly #onChange: ((entry: RevocationEntry) => void) | undefined;

  /**
   * @param maxTokenLifetime - seconds a subject cut-off is kept past itself; `undefined` = forever.
   * @param onChange - told of each entry that changed the copy (from this instance, pub/sub or a
   *   reload), after the copy answers with it.
   */
  constructor(maxTokenLifetime: number | undefined, onChange?: (entry: RevocationEntry) => void) {
    this.#maxTokenLifetime = maxTokenLifetime;
    this.#onChange = onChange;
  }

  /** Number of revoked `jti`s held. */
  get size(): number {
    return this.#jtis.size;
  }

  /** Number of subject cut-offs held. */
  get subjectCount(): number {
    return this.#subjects.size;
  }

  /** Number of revoked sessions held. */
  get sessionCount(): number {
    return this.#sessions.size;
  }

  #table(kind: RevocationEntry['kind']): Map<string, number> {
    return kind === 'jti' ? this.#jtis : kind === 'sub' ? this.#subjects : this.#sessions;
  }

  /** Records an entry, keeping the later `until` / cut-off when one is already known. */
  apply(entry: RevocationEntry): void {
    const table = this.#table(entry.kind);
    const current = table.get(entry.id);
    if (current === undefined || current < entry.value) {
      table.set(entry.id, entry.value);
      this.#onChange?.(entry);
    }
  }

  /** The core decision ({@link isRevokedBy}) over this copy; allocates nothing per call. */
  isRevoked(auth: AuthContext<any>, nowSeconds: number, clockTolerance?: number): boolean {
    this.#now = nowSeconds;
    return isRevokedBy(
      auth,
      this.#jtiLookup,
      this.#subjectLookup,
      nowSeconds,
      clockTolerance,
      this.#sessionLookup,
    );
  }

  #now = 0;
  readonly #jtiLookup = (jti: string): number | undefined => this.#jtis.get(jti);
  readonly #subjectLookup = (sub: string): number | undefined => {
    const cutoff = this.#subjects.get(sub);
    if (cutoff === undefined || this.#maxTokenLifetime === undefined) return cutoff;
    const expiresAt = entryExpiresAt({ kind: 'sub', id: sub, value: cutoff }, this.#maxTokenLifetime)!;
    return expiresAt > this.#now ? cutoff : undefined;
  };
  readonly #sessionLookup = (sid: string): number | undefined => {
    const cutoff = this.#sessions.get(sid);
    if (cutoff === undefined) return undefined;
    const expiresAt = entryExpiresAt({ kind: 'sid', id: sid, value: cutoff }, this.#maxTokenLifetime)!;
    return expiresAt > this.#now ? cutoff : undefined;
  };

  /** Drops entries that Redis has expired too; bounds memory by the live revocations. */
  sweep(nowSeconds: number): void {
    for (const [kind, table] of [
      ['jti', this.#jtis],
      ['sub', this.#subjects],
      ['sid', this.#sessions],
    ] as const) {
      for (const [id, value] of table) {
        const expiresAt = entryExpiresAt({ kind, id, value }, this.#maxTokenLifetime);
        if (expiresAt !== undefined && expiresAt <= nowSeconds) table.delete(id);
      }
    }
  }

  /** Adds every entry of `other` to this copy, keeping the later value of each. */
  merge(other: RevocationMirror): void {
    for (const entry of other.entries()) this.apply(entry);
  }

  /**
   * The entries of this copy that `other` lacks or holds with an earlier value, leaving out
   * those that no longer matter at `nowSeconds`: what Redis lost when `other` was loaded from it.
   */
  missingFrom(other: RevocationMirror, nowSeconds: number): RevocationEntry[] {
    const missing: RevocationEntry[] = [];
    for (const entry of this.entries()) {
      const table = other.#table(entry.kind);
      const theirs = table.get(entry.id);
      if (theirs !== undefined && theirs >= entry.value) continue;
      const expiresAt = entryExpiresAt(entry, this.#maxTokenLifetime);
      if (expiresAt === undefined || expiresAt > nowSeconds) missing.push(entry);
    }
    return missing;
  }

  /** Every entry held. */
  *entries(): IterableIterator<RevocationEntry> {
    for (const [id, value] of this.#jtis) yield { kind: 'jti', id, value };
    for (const [id, value] of this.#subjects) yield { kind: 'sub', id, value };
    for (const [id, value] of this.#sessions) yield { kind: 'sid', id, value };
  }
}

/**
 * When an entry stops mattering, in seconds since the epoch (`undefined`: never): a `jti` at
 * `until` plus the core leeway; a subject cut-off `maxTokenLifetime` (plus twice the leeway) after
 * itself, when tokens cannot live longer than that; a session cut-off likewise, or, without
 * `maxTokenLifetime`, `SESSION_RETENTION_SECONDS` (24 h) after itself — never forever: there is
 * one per logout.
 */
export function entryExpiresAt(
  entry: RevocationEntry,
  maxTokenLifetime: number | undefined,
): number | undefined {
  if (entry.kind === 'jti') return entry.value + REVOCATION_LEEWAY_SECONDS;
  if (entry.kind === 'sid') {
    return entry.value + (maxTokenLifetime ?? SESSION_RETENTION_SECONDS) + 2 * REVOCATION_LEEWAY_SECONDS;
  }
  // A cut-off also revokes tokens issued up to `clockTolerance` after it, which live until
  // `exp + clockTolerance`: two leeways (each covers any `clockTolerance` the verifier allows).
  return maxTokenLifetime === undefined
    ? undefined
    : entry.value + maxTokenLifetime + 2 * REVOCATION_LEEWAY_SECONDS;
}

/** Encodes an entry as a pub/sub message. */
export function encodeEntry(entry: RevocationEntry): string {
  return JSON.stringify([entry.kind, entry.id, entry.value]);
}

/** Decodes a pub/sub message; `undefined` when it is not one of ours. */
export function decodeEntry(message: string): RevocationEntry | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(message);
  } catch {
    return undefined;
  }
  if (!Array.isArray(parsed) || parsed.length !== 3) return undefined;
  const [kind, id, value] = parsed as unknown[];
  if ((kind !== 'jti' && kind !== 'sub' && kind !== 'sid') || typeof id !== 'string' || id === '')
    return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value)) return undefined;
  return { kind, id, value };
}
