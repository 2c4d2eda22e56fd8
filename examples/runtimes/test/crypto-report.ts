// Which signature backend `'auto'` uses on the runtime this bundle runs on: the self-tests the
// runtime's node:crypto passes (null: no node:crypto), so which key types node:crypto verifies.
// Internal modules of the built core, imported by path: a diagnostic of the runtime test, not
// part of the example app. Bun and Deno run this file and print; workerd runs crypto-report-worker.
import { selectBackend } from '../../../packages/core/dist/crypto/index.js';
import { createNodeBackend } from '../../../packages/core/dist/crypto/node.js';
import {
  passesSelfTest,
  SELF_TEST_VECTORS,
  type SelfTestAlgorithm,
} from '../../../packages/core/dist/crypto/self-test.js';

declare const Bun: unknown;
declare const Deno: unknown;

/** The backend `'auto'` selects, and the self-tests node:crypto passes here. */
export function report() {
  const node = createNodeBackend();
  const algorithms = Object.keys(SELF_TEST_VECTORS) as SelfTestAlgorithm[];
  return {
    backend: selectBackend('auto').name,
    nodeCryptoPasses: node ? algorithms.filter((alg) => passesSelfTest(node, alg)) : null,
  };
}

if (typeof Bun !== 'undefined' || typeof Deno !== 'undefined') console.log(JSON.stringify(report()));
