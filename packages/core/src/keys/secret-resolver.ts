import type { Secret, SecretResolver } from '../config/options.js';
import type { CryptoBackend } from '../crypto/index.js';
import type { Algorithm } from '../token/algorithms.js';
import { importSecretKey, type KeyImport, KeyRefusal, secretBytes } from './import.js';
import { type KeySource, selectKeys, unknownKey, type VerificationKey } from './key-set.js';

/**
 * The `secret` option given as a function: the app names the secret (or secrets) of each token
 * from its decoded header and payload. What it returns is imported as a configured secret is,
 * refusals included, and remembered, so a secret is imported once, not per token.
 */

/** Most distinct secrets remembered; past it the memory starts over (an app minting secrets per token). */
const IMPORTED_LIMIT = 256;

/** A key source that asks the app's function for the secret of each token. */
export function secretResolverSource(
  resolve: SecretResolver,
  backend: CryptoBackend,
  allowed: readonly Algorithm[] | undefined,
): KeySource {
  const imported = new Map<string | Uint8Array, KeyImport>();
  function importOne(secret: Secret): VerificationKey | undefined {
    let key = imported.get(secret);
    if (key === undefined) {
      key = importSecretKey(secretBytes(secret, 'the secret returned by option "secret"'), backend, allowed);
      if (imported.size >= IMPORTED_LIMIT) imported.clear();
      imported.set(secret, key);
    }
    return key instanceof KeyRefusal ? undefined : key;
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
