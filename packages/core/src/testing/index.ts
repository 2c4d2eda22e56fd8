export {
  createDpopClient,
  type DpopClient,
  type DpopClientOptions,
  type DpopProofInput,
} from './dpop.js';
export { createTestIssuer, type TestIssuer, type TestIssuerOptions } from './issuer.js';
export type { TestAlgorithm } from './keys.js';
export type { FaultOptions, ListenOptions, TestIssuerFault, TestIssuerServer } from './server.js';
export type { SignOptions, TokenDefect } from './sign.js';
