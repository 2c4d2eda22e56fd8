import * as nodeCrypto from 'node:crypto';
import { createTestIssuer } from '@tokengate/core/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createAutoBackend } from '../../src/crypto/auto.js';
import type { CryptoBackend, ImportedKey } from '../../src/crypto/backend.js';
import { createNodeBackend } from '../../src/crypto/node.js';
import { passesSelfTest, SELF_TEST_VECTORS, type SelfTestAlgorithm } from '../../src/crypto/self-test.js';
import { createWebCryptoBackend } from '../../src/crypto/web.js';
import type { Algorithm } from '../../src/token/algorithms.js';

/**
 * The `'auto'` signature backend trusts a runtime's node:crypto only with the key types whose
 * self-tests it passes. workerd with `nodejs_compat` is the case that motivated it: its
 * `crypto.verify` refuses a KeyObject inside `{ key, dsaEncoding }` or `{ key, padding }`
 * (ERR_INVALID_ARG_TYPE), so every ES* and PS* signature failed. Here that node:crypto is
 * imitated on Node; the runtime test (examples/runtimes) runs the real one.
 */

const realGetBuiltinModule = process.getBuiltinModule.bind(process);
/** What an imported key of each algorithm reports: type and curve. */
const SHAPE: Record<string, string> = {
  HS256: 'oct',
  RS256: 'RSA',
  PS256: 'RSA',
  ES256: 'EC/P-256',
  ES384: 'EC/P-384',
  ES512: 'EC/P-521',
  EdDSA: 'OKP/Ed25519',
};
const WEB_PARAMS: Record<string, AlgorithmIdentifier | RsaHashedImportParams | EcKeyImportParams> = {
  RS256: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
  PS256: { name: 'RSA-PSS', hash: 'SHA-256' },
  ES256: { name: 'ECDSA', namedCurve: 'P-256' },
  ES384: { name: 'ECDSA', namedCurve: 'P-384' },
  ES512: { name: 'ECDSA', namedCurve: 'P-521' },
  EdDSA: { name: 'Ed25519' },
};
const ALGORITHMS = Object.keys(SELF_TEST_VECTORS) as SelfTestAlgorithm[];

/** node:crypto whose `verify` refuses a key given as an options object, as workerd's does. */
function workerdLikeCrypto(): typeof nodeCrypto {
  const verify = (alg: string | null, data: Uint8Array, key: unknown, signature: Uint8Array) => {
    if (typeof key === 'object' && key !== null && !(key instanceof nodeCrypto.KeyObject)) {
      throw Object.assign(
        new TypeError(
          'The "key" argument must be of type string or an instance of KeyObject. Received an instance of Object',
        ),
        { code: 'ERR_INVALID_ARG_TYPE' },
      );
    }
    return nodeCrypto.verify(alg, data, key as nodeCrypto.KeyObject, signature);
  };
  return { ...nodeCrypto, verify } as typeof nodeCrypto;
}

/** Runs `create` while `process.getBuiltinModule('node:crypto')` answers `crypto`. */
function withNodeCrypto<T>(crypto: typeof nodeCrypto, create: () => T): T {
  const spy = vi
    .spyOn(process, 'getBuiltinModule')
    .mockImplementation(((id: string) =>
      id === 'node:crypto' ? crypto : realGetBuiltinModule(id)) as never);
  try {
    return create();
  } finally {
    spy.mockRestore();
  }
}

afterEach(() => {
  vi.restoreAllMocks();
  vi.resetModules();
});

describe('self-tests', () => {
  it("Node's node:crypto passes every one", () => {
    const node = createNodeBackend()!;
    expect(ALGORITHMS.filter((alg) => passesSelfTest(node, alg))).toEqual(ALGORITHMS);
  });

  it("a node:crypto like workerd's fails ECDSA and RSA-PSS, and passes the rest", () => {
    const faulty = withNodeCrypto(workerdLikeCrypto(), createNodeBackend)!;
    expect(ALGORITHMS.filter((alg) => passesSelfTest(faulty, alg))).toEqual(['HS256', 'RS256', 'EdDSA']);
  });

  it('a backend that accepts every signature, throws, or answers asynchronously fails', () => {
    const node = createNodeBackend()!;
    const liar: CryptoBackend = { ...node, verify: () => true };
    const thrower: CryptoBackend = {
      ...node,
      verify: () => {
        throw new Error('boom');
      },
    };
    for (const backend of [liar, thrower, createWebCryptoBackend()]) {
      expect(ALGORITHMS.filter((alg) => passesSelfTest(backend, alg))).toEqual([]);
    }
  });
});

/** Keys of every supported type, each as JWK, PEM, KeyObject and CryptoKey, with a signature. */
async function fixtures() {
  const input = 'header.payload';
  const cases: Array<{
    alg: Algorithm;
    form: string;
    key: unknown;
    secret?: boolean;
    signature: Uint8Array;
  }> = [];
  const secret = nodeCrypto.randomBytes(32);
  cases.push({
    alg: 'HS256',
    form: 'secret',
    key: secret,
    secret: true,
    signature: nodeCrypto.createHmac('sha256', secret).update(input).digest(),
  });
  const pairs: Array<[Algorithm[], nodeCrypto.KeyPairKeyObjectResult, Record<string, unknown>]> = [
    [['RS256', 'PS256'], nodeCrypto.generateKeyPairSync('rsa', { modulusLength: 2048 }), {}],
    [['ES256'], nodeCrypto.generateKeyPairSync('ec', { namedCurve: 'P-256' }), { dsaEncoding: 'ieee-p1363' }],
    [['ES384'], nodeCrypto.generateKeyPairSync('ec', { namedCurve: 'P-384' }), { dsaEncoding: 'ieee-p1363' }],
    [['ES512'], nodeCrypto.generateKeyPairSync('ec', { namedCurve: 'P-521' }), { dsaEncoding: 'ieee-p1363' }],
    [['EdDSA'], nodeCrypto.generateKeyPairSync('ed25519'), {}],
  ];
  for (const [algs, { publicKey, privateKey }, extra] of pairs) {
    for (const alg of algs) {
      const hash = alg === 'EdDSA' ? null : `sha${alg.slice(2)}`;
      const pss =
        alg[0] === 'P' ? { padding: nodeCrypto.constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 } : {};
      const signature = nodeCrypto.sign(hash, Buffer.from(input), { key: privateKey, ...extra, ...pss });
      const forms = {
        jwk: publicKey.export({ format: 'jwk' }),
        pem: publicKey.export({ format: 'pem', type: 'spki' }) as string,
        keyObject: publicKey,
        cryptoKey: await crypto.subtle.importKey(
          'spki',
          publicKey.export({ format: 'der', type: 'spki' }),
          WEB_PARAMS[alg]!,
          true,
          ['verify'],
        ),
      };
      for (const [form, key] of Object.entries(forms)) cases.push({ alg, form, key, signature });
    }
  }
  return { input, cases };
}

async function importWith(backend: CryptoBackend, form: string, key: unknown): Promise<ImportedKey> {
  if (form === 'secret') return backend.importSecret(key as Uint8Array);
  if (form === 'jwk') return backend.importJwk(key as JsonWebKey);
  if (form === 'pem') return backend.importPem(key as string);
  return backend.importKeyObject(key as object);
}

describe("the 'auto' backend", () => {
  it('answers as WebCrypto and node:crypto do, for every key type and form, on Node and on a workerd-like node:crypto', async () => {
    const { input, cases } = await fixtures();
    const web = createWebCryptoBackend();
    const node = createNodeBackend()!;
    const onNode = createAutoBackend(node, () => web);
    const onWorkerd = createAutoBackend(withNodeCrypto(workerdLikeCrypto(), createNodeBackend)!, () => web);
    const verdicts = async (backend: CryptoBackend) => {
      const out: string[] = [];
      for (const { alg, form, key, signature } of cases) {
        const imported = await importWith(backend, form, key);
        const corrupted = new Uint8Array(signature);
        corrupted[7]! ^= 1;
        const good = await backend.verify(alg, imported, input, signature);
        const bad = await backend.verify(alg, imported, input, corrupted);
        out.push(`${alg} ${form} ${imported.kty}${imported.crv ? `/${imported.crv}` : ''}: ${good} ${bad}`);
      }
      return out;
    };
    const expected = cases.map(({ alg, form }) => `${alg} ${form} ${SHAPE[alg]}: true false`);
    expect(await verdicts(web)).toEqual(expected);
    expect(await verdicts(node)).toEqual(expected);
    expect(await verdicts(onNode)).toEqual(expected);
    expect(await verdicts(onWorkerd)).toEqual(expected);
  });

  it('on a workerd-like node:crypto, imports EC and RSA keys with WebCrypto, the others with node:crypto', async () => {
    const web = createWebCryptoBackend();
    const auto = createAutoBackend(withNodeCrypto(workerdLikeCrypto(), createNodeBackend)!, () => web);
    const { cases } = await fixtures();
    for (const { alg, form, key } of cases) {
      const imported = await importWith(auto, form, key);
      const byNode = imported.handle instanceof nodeCrypto.KeyObject;
      expect(`${alg} ${form} ${byNode ? 'node' : 'webcrypto'}`).toBe(
        `${alg} ${form} ${/^(HS|Ed)/.test(alg) ? 'node' : 'webcrypto'}`,
      );
    }
  });

  it('on a workerd-like node:crypto, a PKCS#1 RSA PEM (which WebCrypto cannot read) still verifies RS256 and PS256', async () => {
    const web = createWebCryptoBackend();
    const auto = createAutoBackend(withNodeCrypto(workerdLikeCrypto(), createNodeBackend)!, () => web);
    const { publicKey, privateKey } = nodeCrypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = publicKey.export({ format: 'pem', type: 'pkcs1' }) as string;
    await expect(web.importPem(pem)).rejects.toThrow(TypeError);
    const key = await auto.importPem(pem);
    expect(key).toMatchObject({ kty: 'RSA', modulusLength: 2048 });
    const input = 'header.payload';
    const pss = { padding: nodeCrypto.constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 };
    const rs = nodeCrypto.sign('sha256', Buffer.from(input), privateKey);
    const ps = nodeCrypto.sign('sha256', Buffer.from(input), { key: privateKey, ...pss });
    expect(await auto.verify('RS256', key, input, rs)).toBe(true);
    expect(await auto.verify('PS256', key, input, ps)).toBe(true);
    expect(await auto.verify('PS256', key, input, rs)).toBe(false);
  });

  it('on Node, imports every key with node:crypto itself (no wrapper: the fast path is unchanged)', async () => {
    const node = createNodeBackend()!;
    const auto = createAutoBackend(node, () => {
      throw new Error('WebCrypto must not be needed on Node');
    });
    const { cases } = await fixtures();
    for (const { form, key } of cases) {
      const imported = await importWith(auto, form, key);
      expect(imported.handle).toBeInstanceOf(nodeCrypto.KeyObject);
    }
  });
});

describe('createVerifier on a runtime whose node:crypto cannot check ECDSA or RSA-PSS', () => {
  it('accepts valid ES256 and PS256 tokens and still refuses bad signatures', async () => {
    const es = await createTestIssuer({ alg: 'ES256', audience: 'api' });
    const rsa = await createTestIssuer({ alg: 'RS256', audience: 'api' });
    vi.resetModules(); // a fresh core, so the backend is chosen again, with the workerd-like node:crypto
    const { createVerifier, isAuthError } = await import('../../src/index.js');
    const [esVerifier, psVerifier, rsVerifier] = withNodeCrypto(workerdLikeCrypto(), () => [
      createVerifier({ jwks: es.jwks, audience: 'api' }),
      createVerifier({ jwks: rsa.jwks, audience: 'api', algorithms: ['PS256'] }),
      createVerifier({ jwks: rsa.jwks, audience: 'api' }),
    ]);
    const outcome = async (promise: Promise<unknown>) => {
      try {
        await promise;
        return 'ok';
      } catch (error) {
        if (!isAuthError(error)) throw error;
        return error.reason;
      }
    };
    expect(await outcome(esVerifier.verify(await es.sign({ sub: 'u' })))).toBe('ok');
    expect(await outcome(psVerifier.verify(await rsa.sign({ sub: 'u' }, { alg: 'PS256' })))).toBe('ok');
    expect(await outcome(rsVerifier.verify(await rsa.sign({ sub: 'u' })))).toBe('ok');
    expect(await outcome(esVerifier.verify(await es.sign({ sub: 'u' }, { defect: 'wrong-key' })))).toBe(
      'bad_signature',
    );
    expect(
      await outcome(psVerifier.verify(await rsa.sign({ sub: 'u' }, { alg: 'PS256', defect: 'wrong-key' }))),
    ).toBe('bad_signature');
  });
});
