import { createAutoBackend } from './auto.js';
import type { CryptoBackend } from './backend.js';
import { createNodeBackend } from './node.js';
import { createWebCryptoBackend } from './web.js';

export type { CryptoBackend, ImportedKey, KeyInput } from './backend.js';

/**
 * Which signature implementation to use: `'auto'` (node:crypto where it is available and passes
 * its self-tests, WebCrypto for the rest), or one of them for every key (`'node'` without
 * self-tests: for tests and benchmarks).
 */
export type CryptoPreference = 'auto' | 'node' | 'webcrypto';

let nodeBackend: CryptoBackend | undefined | null = null;
let webBackend: CryptoBackend | undefined;
let autoBackend: CryptoBackend | undefined;

function node(): CryptoBackend | undefined {
  if (nodeBackend === null) nodeBackend = createNodeBackend();
  return nodeBackend;
}

function web(): CryptoBackend {
  webBackend ??= createWebCryptoBackend();
  return webBackend;
}

/**
 * Returns the backend for a preference. `'auto'` is WebCrypto where node:crypto is missing, and
 * otherwise node:crypto for the key types whose self-tests it passes on this runtime, WebCrypto
 * for the others (see {@link createAutoBackend}).
 */
export function selectBackend(preference: CryptoPreference = 'auto'): CryptoBackend {
  if (preference === 'webcrypto') return web();
  const nodeCrypto = node();
  if (preference === 'node') {
    if (!nodeCrypto) throw new TypeError('tokengate: option "crypto": node:crypto is not available here');
    return nodeCrypto;
  }
  if (!nodeCrypto) return web();
  autoBackend ??= createAutoBackend(nodeCrypto, web);
  return autoBackend;
}
