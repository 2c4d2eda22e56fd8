import type { CryptoBackend, ImportedKey } from './backend.js';
import { passesSelfTest, type SelfTestAlgorithm, selfTestsFor } from './self-test.js';

/** The handle of a key that WebCrypto imported for the `'auto'` backend. */
class ViaWebCrypto {
  constructor(readonly key: ImportedKey) {}
}

/**
 * The `'auto'` backend where node:crypto exists (Node, Bun, Deno, Workers with `nodejs_compat`):
 * each key is imported by node:crypto when node:crypto passes the self-tests of every algorithm
 * that key type serves ({@link selfTestsFor}; each test runs once, when the first key of its type
 * is imported), and by WebCrypto otherwise. A key is then always verified by the backend that
 * imported it. Keys node:crypto imported are its own, unwrapped, so verifying with them costs one
 * `instanceof` more than node:crypto alone.
 */
export function createAutoBackend(node: CryptoBackend, web: () => CryptoBackend): CryptoBackend {
  const verdicts = new Map<SelfTestAlgorithm, boolean>();
  const passes = (alg: SelfTestAlgorithm) => {
    let verdict = verdicts.get(alg);
    if (verdict === undefined) {
      verdict = passesSelfTest(node, alg);
      verdicts.set(alg, verdict);
    }
    return verdict;
  };
  const nodeCan = (key: Pick<ImportedKey, 'kty' | 'crv'> | JsonWebKey) => selfTestsFor(key).every(passes);
  const viaWeb = (key: ImportedKey): ImportedKey => ({ ...key, handle: new ViaWebCrypto(key) });
  /**
   * A key node:crypto read but may not verify with, imported by WebCrypto as the JWK node:crypto
   * exports (so formats only node:crypto reads, such as a PKCS#1 RSA PEM, keep working), or from
   * the original input when node:crypto cannot export it.
   */
  const handOver = async (key: ImportedKey, fromInput: () => ImportedKey | Promise<ImportedKey>) => {
    const handle = key.handle as { export?: (options: { format: 'jwk' }) => JsonWebKey };
    let jwk: JsonWebKey | undefined;
    try {
      jwk = handle.export?.({ format: 'jwk' });
    } catch {
      // not exportable here: WebCrypto reads the input itself
    }
    return jwk ? web().importJwk(jwk) : fromInput();
  };

  return {
    name: 'auto',
    importSecret(secret) {
      return nodeCan({ kty: 'oct' }) ? node.importSecret(secret) : viaWeb(web().importSecret(secret));
    },
    importJwk(jwk) {
      if (nodeCan(jwk)) return node.importJwk(jwk);
      const key = web().importJwk(jwk);
      return key instanceof Promise ? key.then(viaWeb) : viaWeb(key);
    },
    async importPem(pem) {
      const key = await node.importPem(pem);
      return nodeCan(key) ? key : viaWeb(await handOver(key, () => web().importPem(pem)));
    },
    async importKeyObject(object) {
      const key = await node.importKeyObject(object);
      return nodeCan(key) ? key : viaWeb(await handOver(key, () => web().importKeyObject(object)));
    },
    verify(alg, key, signingInput, signature) {
      const handle = key.handle;
      return handle instanceof ViaWebCrypto
        ? web().verify(alg, handle.key, signingInput, signature)
        : node.verify(alg, key, signingInput, signature);
    },
  };
}
