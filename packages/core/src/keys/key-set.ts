import type { JsonWebKeySet, PublicKeyInput, Secret, SecretResolver } from '../config/options.js';
import type { JwtClaims, JwtHeader } from '../context/types.js';
import type { CryptoBackend, ImportedKey } from '../crypto/index.js';
import { AuthError } from '../errors/auth-error.js';
import { type Algorithm, algorithmsForKey, isAlgorithm } from '../token/algorithms.js';
import { jwkUsageDefect, MAX_CANDIDATES, rsaKeyDefect, VERIFY_BUDGET, verifyCost } from './limits.js';

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
}

const utf8 = new TextEncoder();

/** Turns an imported key into a {@link VerificationKey}, or explains why it cannot verify anything. */
export function toVerificationKey(
  key: ImportedKey,
  meta: { kid?: unknown; alg?: unknown },
  allowed: readonly Algorithm[] | undefined,
): VerificationKey | string {
  if (key.kty === 'RSA') {
    const defect = rsaKeyDefect(key);
    if (defect) return defect;
  }
  if (meta.alg !== undefined && !isAlgorithm(meta.alg))
    return `key "alg" ${JSON.stringify(meta.alg)} is not supported`;
  const algorithms = algorithmsForKey(
    { kty: key.kty, crv: key.crv, alg: meta.alg as string | undefined, secretBytes: key.secretBytes },
    allowed,
  );
  if (algorithms.length === 0) {
    if (key.kty === 'oct') {
      return `the secret is ${key.secretBytes} bytes; HMAC needs at least as many bytes as its hash (32 for HS256, RFC 7518 §3.2)`;
    }
    return `no allowed algorithm fits this ${key.kty}${key.crv ? ` ${key.crv}` : ''} key`;
  }
  return { kid: typeof meta.kid === 'string' ? meta.kid : undefined, algorithms, key };
}

function unknownKey(message: string): AuthError {
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

function secretBytes(secret: Secret, where: string): Uint8Array {
  if (typeof secret === 'string') return utf8.encode(secret);
  if (secret instanceof Uint8Array) return secret;
  throw new TypeError(`tokengate: ${where} must be a string or a Uint8Array`);
}

/** DER of the SPKI algorithm OIDs: rsaEncryption, id-ecPublicKey, id-Ed25519 (with their tag and length). */
const SPKI_ALGORITHMS = [
  [0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01],
  [0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01],
  [0x06, 0x03, 0x2b, 0x65, 0x70],
];

function includesBytes(haystack: Uint8Array, needle: readonly number[]): boolean {
  const last = Math.min(haystack.length - needle.length, 64);
  outer: for (let i = 0; i <= last; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return true;
  }
  return false;
}

const OPENSSH_KEY = /^\s*(?:ssh-(?:rsa|dss|ed25519|ed448)|ecdsa-sha2-|sk-(?:ssh|ecdsa)-)/;

/**
 * Whether HMAC secret bytes are a public key: PEM armor anywhere (certificates included), SPKI DER
 * (an RSA, EC or Ed25519 algorithm identifier near the start of a DER sequence), a JWK or JWK set
 * as JSON, or an OpenSSH public key. Whoever has the public key could then MAC
 * tokens (algorithm confusion: CVE-2016-10555, CVE-2022-29217, fast-jwt GHSA-ww5h-9m49-7xx4).
 * Deny-only: it never turns a secret into an asymmetric key.
 */
export function isPublicKeyText(bytes: Uint8Array): boolean {
  if (bytes[0] === 0x30 && SPKI_ALGORITHMS.some((oid) => includesBytes(bytes, oid))) return true;
  let text = '';
  for (let i = 0; i < bytes.length; i++) text += String.fromCharCode(bytes[i]!);
  if (text.includes('-----BEGIN') || OPENSSH_KEY.test(text)) return true;
  const trimmed = text.trim();
  if (!trimmed.startsWith('{') || !trimmed.endsWith('}')) return false;
  try {
    const value = JSON.parse(trimmed) as { kty?: unknown; keys?: unknown };
    return typeof value.kty === 'string' || Array.isArray(value.keys);
  } catch {
    return false;
  }
}

const PUBLIC_KEY_AS_SECRET =
  'is a public key (PEM, DER, JWK or OpenSSH); HMAC keyed with a public key lets anyone who has it sign tokens: use option "publicKey" or "jwks"';

/** Imports configured HMAC secrets; throws a `TypeError` naming the problem. */
export function importSecrets(
  secrets: readonly Secret[],
  backend: CryptoBackend,
  allowed: readonly Algorithm[] | undefined,
): VerificationKey[] {
  if (secrets.length === 0) throw new TypeError('tokengate: option "secret" is an empty list');
  return secrets.map((secret, i) => {
    const bytes = secretBytes(secret, 'option "secret"');
    if (bytes.length === 0) throw new TypeError('tokengate: option "secret" is empty');
    if (isPublicKeyText(bytes)) {
      throw new TypeError(
        `tokengate: option "secret"${secrets.length > 1 ? `[${i}]` : ''} ${PUBLIC_KEY_AS_SECRET}`,
      );
    }
    const key = toVerificationKey(backend.importSecret(bytes), {}, allowed);
    if (typeof key === 'string')
      throw new TypeError(`tokengate: option "secret"${secrets.length > 1 ? `[${i}]` : ''}: ${key}`);
    return key;
  });
}

/** A key source that asks the app's function for the secret of each token. */
export function secretResolverSource(
  resolve: SecretResolver,
  backend: CryptoBackend,
  allowed: readonly Algorithm[] | undefined,
): KeySource {
  const imported = new Map<string | Uint8Array, VerificationKey | string>();
  function importOne(secret: Secret): VerificationKey | undefined {
    let key = imported.get(secret);
    if (key === undefined) {
      const bytes = secretBytes(secret, 'the secret returned by option "secret"');
      key =
        bytes.length === 0
          ? 'empty secret'
          : isPublicKeyText(bytes)
            ? 'a public key'
            : toVerificationKey(backend.importSecret(bytes), {}, allowed);
      if (imported.size >= 256) imported.clear();
      imported.set(secret, key);
    }
    return typeof key === 'string' ? undefined : key;
  }
  return {
    symmetric: true,
    async keysFor(header, payload) {
      const result = await resolve({ header, payload });
      if (result === undefined || result === null) throw unknownKey('no secret is configured for this token');
      const list = (Array.isArray(result) ? result : [result]) as Secret[];
      const keys = list.map(importOne).filter((k): k is VerificationKey => k !== undefined);
      if (keys.length === 0) throw unknownKey('no usable secret is configured for this token');
      return selectKeys(keys, header, false);
    },
    fixed: false,
    ready: async () => {},
  };
}

/** Calls `f` on a value that may be a promise, staying synchronous when it is not. */
export function chain<T, R>(value: T | Promise<T>, f: (value: T) => R): R | Promise<Awaited<R>> {
  return value instanceof Promise ? (value.then(f) as Promise<Awaited<R>>) : f(value);
}

function publicKeyError(cause: unknown): TypeError {
  return new TypeError(
    `tokengate: option "publicKey": ${(cause as Error).message.replace(/^tokengate: /, '')}`,
    { cause },
  );
}

/** Imports the `publicKey` option (synchronously on the node:crypto backend). */
export function importPublicKey(
  input: PublicKeyInput,
  backend: CryptoBackend,
  allowed: readonly Algorithm[] | undefined,
): VerificationKey | Promise<VerificationKey> {
  let imported: ImportedKey | Promise<ImportedKey>;
  let meta: { kid?: unknown; alg?: unknown } = {};
  try {
    if (typeof input === 'string') {
      if (!input.includes('-----BEGIN')) {
        throw new TypeError(
          'expected PEM text (SPKI "PUBLIC KEY" or a "CERTIFICATE"); for an HMAC secret use option "secret"',
        );
      }
      imported = backend.importPem(input);
    } else if (typeof input === 'object' && input !== null && typeof (input as JsonWebKey).kty === 'string') {
      meta = input as JsonWebKey & { kid?: unknown };
      const defect = jwkUsageDefect(input as JsonWebKey);
      if (defect) throw new TypeError(`the JWK cannot verify signatures: ${defect}`);
      imported = backend.importJwk(input as JsonWebKey);
    } else if (typeof input === 'object' && input !== null) {
      imported = backend.importKeyObject(input);
    } else {
      throw new TypeError('expected PEM text, a JWK, a CryptoKey or a KeyObject');
    }
  } catch (cause) {
    throw publicKeyError(cause);
  }
  const finish = (key: ImportedKey): VerificationKey => {
    if (key.kty === 'oct')
      throw new TypeError('tokengate: option "publicKey" is a symmetric key; use option "secret"');
    const result = toVerificationKey(key, meta, allowed);
    if (typeof result === 'string') throw new TypeError(`tokengate: option "publicKey": ${result}`);
    return result;
  };
  return imported instanceof Promise
    ? imported.then(finish, (cause) => Promise.reject(publicKeyError(cause)))
    : finish(imported);
}

/** Result of importing a key set. */
export interface ImportedKeySet {
  /** Keys that can verify. */
  keys: VerificationKey[];
  /** Why the other keys were skipped (unsupported type, `use` other than `sig`, symmetric, too small). */
  skipped: string[];
}

/**
 * Imports the keys of a JWKS (synchronously on the node:crypto backend). Keys that cannot
 * verify are skipped and described in `skipped`.
 */
export function importJwks(
  set: JsonWebKeySet,
  backend: CryptoBackend,
  allowed: readonly Algorithm[] | undefined,
): ImportedKeySet | Promise<ImportedKeySet> {
  const skipped: string[] = [];
  const pending: { name: string; jwk: JsonWebKey; key: ImportedKey | Promise<ImportedKey> | Error }[] = [];
  for (const [i, jwk] of (Array.isArray(set?.keys) ? set.keys : []).entries()) {
    const kid = (jwk as { kid?: unknown } | null)?.kid;
    const name = typeof kid === 'string' ? `kid ${JSON.stringify(kid)}` : `#${i}`;
    if (typeof jwk !== 'object' || jwk === null || typeof jwk.kty !== 'string') {
      skipped.push(`${name}: not a JWK`);
    } else if (jwk.kty === 'oct') {
      skipped.push(`${name}: symmetric keys are not accepted from a key set`);
    } else if (jwkUsageDefect(jwk)) {
      skipped.push(`${name}: ${jwkUsageDefect(jwk)}`);
    } else {
      let key: ImportedKey | Promise<ImportedKey> | Error;
      try {
        key = backend.importJwk(jwk);
      } catch (error) {
        key = error as Error;
      }
      pending.push({ name, jwk, key });
    }
  }
  const finish = (resolved: (ImportedKey | Error)[]): ImportedKeySet => {
    const keys: VerificationKey[] = [];
    resolved.forEach((key, i) => {
      const { name, jwk } = pending[i]!;
      if (key instanceof Error) {
        skipped.push(`${name}: ${key.message.replace(/^tokengate: /, '')}`);
        return;
      }
      const result = toVerificationKey(key, jwk as { kid?: unknown; alg?: unknown }, allowed);
      if (typeof result === 'string') skipped.push(`${name}: ${result}`);
      else keys.push(result);
    });
    return { keys, skipped };
  };
  if (pending.some((p) => p.key instanceof Promise)) {
    return Promise.all(
      pending.map((p) => (p.key instanceof Promise ? p.key.catch((e: Error) => e) : p.key)),
    ).then(finish);
  }
  return finish(pending.map((p) => p.key as ImportedKey | Error));
}
