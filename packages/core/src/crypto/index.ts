import type { CryptoBackend } from './backend.js';
import { createNodeBackend } from './node.js';
import { createWebCryptoBackend } from './web.js';

export type { CryptoBackend, ImportedKey, KeyInput } from './backend.js';

/** Which signature implementation to use: node:crypto (default on Node) or WebCrypto. */
export type CryptoPreference = 'auto' | 'node' | 'webcrypto';

let nodeBackend: CryptoBackend | undefined | null = null;
let webBackend: CryptoBackend | undefined;

/** Returns the backend for a preference; `'auto'` picks node:crypto when it is available. */
export function selectBackend(preference: CryptoPreference = 'auto'): CryptoBackend {
  if (preference !== 'webcrypto') {
    if (nodeBackend === null) nodeBackend = createNodeBackend();
    if (nodeBackend) return nodeBackend;
    if (preference === 'node')
      throw new TypeError('tokengate: option "crypto": node:crypto is not available here');
  }
  webBackend ??= createWebCryptoBackend();
  return webBackend;
}
