export {
  createDpopClient,
  type DpopClient,
  type DpopClientOptions,
  type DpopProofInput,
} from './dpop.js';
export {
  createTestIssuer,
  type SignOptions,
  type TestIssuer,
  type TestIssuerOptions,
  type TokenDefect,
} from './issuer.js';
export type { TestAlgorithm } from './keys.js';
export type { FaultOptions, ListenOptions, TestIssuerFault, TestIssuerServer } from './server.js';
