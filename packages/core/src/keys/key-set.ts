import type { JwtClaims, JwtHeader } from '../context/types.js';
import type { ImportedKey } from '../crypto/index.js';
import { AuthError } from '../errors/auth-error.js';
import type { Algorithm } from '../token/algorithms.js';
import { MAX_CANDIDATES, VERIFY_BUDGET, verifyCost } from './limits.js';

/**
 * The keys a verifier holds and which of them may check a token: the {@link KeySource} contract
 * every key option is turned into, the selection rule (by `kid`, then by `alg`, bounded), and the
 * fixed sources of configured keys. {@link selectKeys} runs for every token the cache does not answer.
 */

/** A key ready to verify, with the algorithms configuration allows it to verify. */
export interface VerificationKey {
  /** `kid` of the key, when it has one. */
  readonly kid: string | undefined;
  /** Algorithms this key may verify (never decided by a token). */
  readonly algorithms: readonly Algorithm[];
  /** The imported key material. */
  readonly key: ImportedKey;
}

/** Where a profile's keys come from. */
export interface KeySource {
  /** `true` for HMAC secrets. */
  readonly symmetric: boolean;
  /** Keys that may verify this token (selected by `kid` and `alg`), or an `AuthError`. */
  keysFor(
    header: JwtHeader & { alg: Algorithm },
    payload: JwtClaims,
  ): readonly VerificationKey[] | Promise<readonly VerificationKey[]>;
  /**
   * `true` when the keys `keysFor` selects for a header can never change (configured secrets, a
   * public key, a local JWKS). A cache hit on a source that is not fixed asks `keysFor` again and
   * stands only if the key that verified the token is still selected (see `cache.ts`).
   */
  readonly fixed: boolean;
  /** Resolves when the keys are loaded (fetches remote keys); rejects with what went wrong. */
  ready(): Promise<void>;
  /**
   * Calls `listener` after each change of the keys this source selects from (a remote key set
   * fetched with different content), until the returned function is called. While anything
   * listens, the source also refreshes itself when it is due (`cacheMaxAge`), as a request
   * would, so a key withdrawn by the identity provider is noticed without traffic. Absent on
   * fixed sources (configured keys never change) and on a `secret` function (asked per request,
   * never in between). Used by `watchAuth`.
   */
  onChange?(listener: () => void): () => void;
}

/** The refusal of a token whose key is not held: 401 `invalid_token`, reason `unknown_key`. */
export function unknownKey(message: string): AuthError {
  return new AuthError('invalid_token', message, { reason: 'unknown_key' });
}

/**
 * The shared key-selection rule: with a `kid` in the token, only keys with that `kid` (when the
 * set uses kids); without one, every key whose algorithms include the token's `alg`.
 * At most `MAX_CANDIDATES` keys, and only as many as fit in `VERIFY_BUDGET` (the first always
 * does), are tried: a kid-less token cannot make us try a huge or expensive set.
 */
export function selectKeys(
  keys: readonly VerificationKey[],
  header: JwtHeader & { alg: Algorithm },
  matchKid: boolean,
): VerificationKey[] {
  const kid = header.kid;
  let byKid = keys;
  if (matchKid && kid !== undefined) {
    byKid = keys.filter((k) => k.kid === kid);
    if (byKid.length === 0) throw unknownKey('no key matches the token "kid"');
  }
  const fitting = byKid.filter((k) => k.algorithms.includes(header.alg));
  if (fitting.length === 0) {
    throw new AuthError('invalid_token', `algorithm ${header.alg} is not allowed for the selected key`, {
      reason: 'alg_not_allowed',
    });
  }
  if (fitting.length === 1) return fitting;
  let spent = verifyCost(header.alg, fitting[0]!.key);
  let count = 1;
  while (count < fitting.length && count < MAX_CANDIDATES) {
    spent += verifyCost(header.alg, fitting[count]!.key);
    if (spent > VERIFY_BUDGET) break;
    count++;
  }
  return count === fitting.length ? fitting : fitting.slice(0, count);
}

/** A fixed set of keys (secrets, one public key, or a local JWKS). */
export function staticKeySource(
  keys: readonly VerificationKey[],
  symmetric: boolean,
  matchKid: boolean,
): KeySource {
  return {
    symmetric,
    keysFor: (header) => selectKeys(keys, header, matchKid),
    fixed: true,
    ready: async () => {},
  };
}

/** A fixed key set whose import may still be running (WebCrypto imports are async). */
export function pendingKeySource(
  keys: VerificationKey[] | Promise<VerificationKey[]>,
  matchKid: boolean,
): KeySource {
  if (!(keys instanceof Promise)) return staticKeySource(keys, false, matchKid);
  let source: KeySource | undefined;
  const loaded = keys.then((k) => {
    source = staticKeySource(k, false, matchKid);
    return source;
  });
  loaded.catch(() => {});
  return {
    symmetric: false,
    keysFor: (header, payload) =>
      source ? source.keysFor(header, payload) : loaded.then((s) => s.keysFor(header, payload)),
    fixed: true,
    ready: () => loaded.then(() => {}),
  };
}
