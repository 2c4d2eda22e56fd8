import type { JsonWebKeySet, PublicKeyInput, Secret } from '../config/options.js';
import type { CryptoBackend, ImportedKey } from '../crypto/index.js';
import { type Algorithm, algorithmsForKey, isAlgorithm } from '../token/algorithms.js';
import { publicKeyAsSecret, secretAsPublicKey } from './key-confusion.js';
import type { VerificationKey } from './key-set.js';
import { jwkUsageDefect, rsaKeyDefect } from './limits.js';

/**
 * Key material in, {@link VerificationKey}s out. One importer per format — PEM, JWK,
 * CryptoKey/KeyObject, HMAC secret — each synchronous on the node:crypto backend and a promise on
 * WebCrypto through the same code (`importPublic`, {@link chain}); a key that cannot verify
 * becomes a {@link KeyRefusal} saying why, never a thrown error (key-confusion rules:
 * `key-confusion.ts`; RSA and usage bounds: `limits.ts`). Then what the options hold, built on them:
 * `publicKey` ({@link importPublicKey}), a list of secrets ({@link importSecrets}) and a key set
 * ({@link importJwks}).
 */

/** A value, or a promise of it: what an import gives on either backend. */
export type MaybePromise<T> = T | Promise<T>;

/** Calls `f` on a value that may be a promise, staying synchronous when it is not. */
export function chain<T, R>(value: T | Promise<T>, f: (value: T) => R): R | Promise<Awaited<R>> {
  return value instanceof Promise ? (value.then(f) as Promise<Awaited<R>>) : f(value);
}

/** Why a key cannot verify, for a start-up error or a key set's `skipped` list. */
export class KeyRefusal {
  /**
   * @param reason - why, as a clause (`the secret is 12 bytes; …`) or, with `predicate`, as a
   *   predicate of the key's name (`is a public key …`).
   * @param init - the backend's error as `cause`; `predicate` for reasons that start with a verb.
   */
  constructor(
    readonly reason: string,
    readonly init: { readonly cause?: unknown; readonly predicate?: boolean } = {},
  ) {}

  /** The reason as a sentence about `subject`: `option "publicKey": …`, `option "secret" is …`. */
  about(subject: string): string {
    return `${subject}${this.init.predicate ? ' ' : ': '}${this.reason}`;
  }

  /** The start-up error for a configured key: a `TypeError` naming `subject`. */
  toTypeError(subject: string): TypeError {
    const cause = this.init.cause;
    return new TypeError(`tokengate: ${this.about(subject)}`, cause === undefined ? undefined : { cause });
  }
}

/** What importing one key gives: a key ready to verify, or why not. */
export type KeyImport = VerificationKey | KeyRefusal;

/**
 * Binds an imported key to the algorithms it may verify — by its type, its `alg` member and the
 * app's allow-list, never by a token — or explains why it cannot verify anything.
 */
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

function backendRefusal(error: unknown): KeyRefusal {
  const message = error instanceof Error ? error.message.replace(/^tokengate: /, '') : String(error);
  return new KeyRefusal(message, { cause: error });
}

/**
 * The path every public-key format shares: the backend's import (a value or a promise; a throw
 * and a rejection alike become a refusal), then key-confusion rule 2 and the algorithm binding.
 */
function importPublic(
  run: () => MaybePromise<ImportedKey>,
  meta: { kid?: unknown; alg?: unknown },
  allowed: readonly Algorithm[] | undefined,
): MaybePromise<KeyImport> {
  const finish = (key: ImportedKey): KeyImport => {
    const confused = secretAsPublicKey(key);
    if (confused) return new KeyRefusal(confused, { predicate: true });
    const result = toVerificationKey(key, meta, allowed);
    return typeof result === 'string' ? new KeyRefusal(result) : result;
  };
  let imported: MaybePromise<ImportedKey>;
  try {
    imported = run();
  } catch (error) {
    return backendRefusal(error);
  }
  return imported instanceof Promise ? imported.then(finish, backendRefusal) : finish(imported);
}

/**
 * Imports PEM text: an SPKI `PUBLIC KEY`, a PKCS#1 `RSA PUBLIC KEY` or an X.509 `CERTIFICATE`;
 * `kid` travels with the key (a certificate map's name for it).
 */
export function importPemKey(
  pem: string,
  backend: CryptoBackend,
  allowed: readonly Algorithm[] | undefined,
  kid?: string,
): MaybePromise<KeyImport> {
  if (!pem.includes('-----BEGIN')) {
    return new KeyRefusal(
      'expected PEM text (SPKI "PUBLIC KEY" or a "CERTIFICATE"); for an HMAC secret use option "secret"',
    );
  }
  return importPublic(() => backend.importPem(pem), { kid }, allowed);
}

/** Imports one public JWK; its `kid` and `alg` travel with the key. */
export function importJwkKey(
  jwk: JsonWebKey,
  backend: CryptoBackend,
  allowed: readonly Algorithm[] | undefined,
): MaybePromise<KeyImport> {
  return importPublic(() => backend.importJwk(jwk), jwk as { kid?: unknown; alg?: unknown }, allowed);
}

/** Imports a WebCrypto `CryptoKey` or a node:crypto `KeyObject`. */
export function importKeyObjectKey(
  key: object,
  backend: CryptoBackend,
  allowed: readonly Algorithm[] | undefined,
): MaybePromise<KeyImport> {
  return importPublic(() => backend.importKeyObject(key), {}, allowed);
}

/** Why an empty secret is refused. */
const EMPTY_SECRET = 'is empty';

/**
 * Imports an HMAC secret (synchronous on every backend): never empty, never a public key
 * (key-confusion rule 1), long enough for its hash.
 */
export function importSecretKey(
  bytes: Uint8Array,
  backend: CryptoBackend,
  allowed: readonly Algorithm[] | undefined,
): KeyImport {
  if (bytes.length === 0) return new KeyRefusal(EMPTY_SECRET, { predicate: true });
  const confused = publicKeyAsSecret(bytes);
  if (confused) return new KeyRefusal(confused, { predicate: true });
  const key = toVerificationKey(backend.importSecret(bytes), {}, allowed);
  return typeof key === 'string' ? new KeyRefusal(key) : key;
}

const utf8 = new TextEncoder();

/** A secret's bytes (a string is UTF-8 encoded); throws a `TypeError` naming `where` for anything else. */
export function secretBytes(secret: Secret, where: string): Uint8Array {
  if (typeof secret === 'string') return utf8.encode(secret);
  if (secret instanceof Uint8Array) return secret;
  throw new TypeError(`tokengate: ${where} must be a string or a Uint8Array`);
}

/** Imports the `publicKey` option (synchronously on the node:crypto backend); throws a `TypeError` naming the problem. */
export function importPublicKey(
  input: PublicKeyInput,
  backend: CryptoBackend,
  allowed: readonly Algorithm[] | undefined,
): MaybePromise<VerificationKey> {
  return chain(importAnyPublicKey(input, backend, allowed), (key) => {
    if (key instanceof KeyRefusal) throw key.toTypeError('option "publicKey"');
    return key;
  });
}

function importAnyPublicKey(
  input: PublicKeyInput,
  backend: CryptoBackend,
  allowed: readonly Algorithm[] | undefined,
): MaybePromise<KeyImport> {
  if (typeof input === 'string') return importPemKey(input, backend, allowed);
  if (typeof input !== 'object' || input === null) {
    return new KeyRefusal('expected PEM text, a JWK, a CryptoKey or a KeyObject');
  }
  if (typeof (input as JsonWebKey).kty !== 'string') return importKeyObjectKey(input, backend, allowed);
  const defect = jwkUsageDefect(input as JsonWebKey);
  if (defect) return new KeyRefusal(`the JWK cannot verify signatures: ${defect}`);
  return importJwkKey(input as JsonWebKey, backend, allowed);
}

/** Imports the configured HMAC secrets; throws a `TypeError` naming the problem. */
export function importSecrets(
  secrets: readonly Secret[],
  backend: CryptoBackend,
  allowed: readonly Algorithm[] | undefined,
): VerificationKey[] {
  if (secrets.length === 0) throw new TypeError('tokengate: option "secret" is an empty list');
  return secrets.map((secret, i) => {
    const key = importSecretKey(secretBytes(secret, 'option "secret"'), backend, allowed);
    if (!(key instanceof KeyRefusal)) return key;
    // An empty secret names the option; any other refusal names the entry of a list.
    const entry = secrets.length > 1 && key.reason !== EMPTY_SECRET ? `[${i}]` : '';
    throw key.toTypeError(`option "secret"${entry}`);
  });
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
): MaybePromise<ImportedKeySet> {
  const skipped: string[] = [];
  const names: string[] = [];
  const imports: MaybePromise<KeyImport>[] = [];
  for (const [i, jwk] of (Array.isArray(set?.keys) ? set.keys : []).entries()) {
    const kid = (jwk as { kid?: unknown } | null)?.kid;
    const name = typeof kid === 'string' ? `kid ${JSON.stringify(kid)}` : `#${i}`;
    const unfit =
      typeof jwk !== 'object' || jwk === null || typeof jwk.kty !== 'string'
        ? 'not a JWK'
        : jwk.kty === 'oct'
          ? 'symmetric keys are not accepted from a key set'
          : jwkUsageDefect(jwk);
    if (unfit) skipped.push(`${name}: ${unfit}`);
    else {
      names.push(name);
      imports.push(importJwkKey(jwk, backend, allowed));
    }
  }
  return collectImports(imports, names, skipped);
}

/** The keys of several imports (values or promises), with why the others were skipped. */
function collectImports(
  imports: readonly MaybePromise<KeyImport>[],
  names: readonly string[],
  skipped: string[],
): MaybePromise<ImportedKeySet> {
  const finish = (imported: readonly KeyImport[]): ImportedKeySet => {
    const keys: VerificationKey[] = [];
    imported.forEach((key, i) => {
      if (key instanceof KeyRefusal) skipped.push(key.about(names[i]!));
      else keys.push(key);
    });
    return { keys, skipped };
  };
  return imports.some((key) => key instanceof Promise)
    ? Promise.all(imports).then(finish)
    : finish(imports as KeyImport[]);
}

/**
 * Imports an X.509 certificate map (`{ "<kid>": "-----BEGIN CERTIFICATE-----…" }`, as Google and
 * Firebase publish keys), given as its `[kid, pem]` entries: each certificate's public key under
 * its `kid`, bound to the algorithms its type implies (synchronously on node:crypto). Anything
 * but a certificate is skipped and described in `skipped`.
 */
export function importCertificates(
  entries: readonly (readonly [kid: string, pem: string])[],
  backend: CryptoBackend,
  allowed: readonly Algorithm[] | undefined,
): MaybePromise<ImportedKeySet> {
  const skipped: string[] = [];
  const names: string[] = [];
  const imports: MaybePromise<KeyImport>[] = [];
  for (const [kid, pem] of entries) {
    const name = `kid ${JSON.stringify(kid)}`;
    if (typeof pem !== 'string' || !pem.includes('-----BEGIN CERTIFICATE-----')) {
      skipped.push(`${name}: not a PEM certificate`);
      continue;
    }
    names.push(name);
    imports.push(importPemKey(pem, backend, allowed, kid));
  }
  return collectImports(imports, names, skipped);
}
