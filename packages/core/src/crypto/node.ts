import type { Algorithm } from '../token/algorithms.js';
import { type CryptoBackend, ECDSA_SIGNATURE_BYTES, hashOf, type ImportedKey } from './backend.js';

type NodeKeyObject = {
  type: 'secret' | 'public' | 'private';
  asymmetricKeyType?: string;
  asymmetricKeyDetails?: { modulusLength?: number; publicExponent?: bigint; namedCurve?: string };
  symmetricKeySize?: number;
};

type NodeCrypto = {
  createHmac(hash: string, key: unknown): { update(data: string, enc: string): { digest(): Uint8Array } };
  timingSafeEqual(a: Uint8Array, b: Uint8Array): boolean;
  verify(alg: string | null, data: Uint8Array, key: unknown, signature: Uint8Array): boolean;
  createPublicKey(key: unknown): NodeKeyObject;
  createSecretKey(key: Uint8Array): NodeKeyObject;
  KeyObject: { from(key: CryptoKey): NodeKeyObject };
  constants: { RSA_PKCS1_PSS_PADDING: number; RSA_PSS_SALTLEN_DIGEST: number };
};

type NodeBuffer = { from(input: string, encoding: string): Uint8Array };

const CURVES: Record<string, string> = { prime256v1: 'P-256', secp384r1: 'P-384', secp521r1: 'P-521' };
const NODE_HASH = { 'SHA-256': 'sha256', 'SHA-384': 'sha384', 'SHA-512': 'sha512' } as const;

/**
 * The node:crypto backend, or `undefined` where node:crypto is not available. It is reached via
 * `process.getBuiltinModule`, so the core's main entry has no static `node:` import and still
 * loads on Fetch-only runtimes.
 */
export function createNodeBackend(): CryptoBackend | undefined {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  const crypto = proc?.getBuiltinModule?.('node:crypto') as NodeCrypto | undefined;
  const Buffer = (globalThis as { Buffer?: NodeBuffer }).Buffer;
  if (!crypto || !Buffer) return undefined;
  const pss = {
    padding: crypto.constants.RSA_PKCS1_PSS_PADDING,
    saltLength: crypto.constants.RSA_PSS_SALTLEN_DIGEST,
  };

  function describe(key: NodeKeyObject): ImportedKey {
    if (key.type === 'secret') return { kty: 'oct', secretBytes: key.symmetricKeySize ?? 0, handle: key };
    const pub = key.type === 'private' ? crypto!.createPublicKey(key) : key;
    const type = pub.asymmetricKeyType;
    if (type === 'rsa') {
      const details = pub.asymmetricKeyDetails;
      return {
        kty: 'RSA',
        modulusLength: details?.modulusLength,
        publicExponent: details?.publicExponent,
        handle: pub,
      };
    }
    if (type === 'rsa-pss') {
      throw new TypeError('tokengate: RSA-PSS-restricted keys are not supported; use a plain RSA key');
    }
    if (type === 'ec') {
      const crv = CURVES[pub.asymmetricKeyDetails?.namedCurve ?? ''];
      if (!crv) throw new TypeError('tokengate: unsupported EC curve (use P-256, P-384 or P-521)');
      return { kty: 'EC', crv, handle: pub };
    }
    if (type === 'ed25519') return { kty: 'OKP', crv: 'Ed25519', handle: pub };
    throw new TypeError(`tokengate: unsupported key type ${JSON.stringify(type)}`);
  }

  return {
    name: 'node',
    importSecret(secret) {
      return describe(crypto.createSecretKey(secret));
    },
    importJwk(jwk) {
      if (jwk.kty === 'oct') {
        if (typeof jwk.k !== 'string') throw new TypeError('tokengate: oct JWK has no "k"');
        return describe(crypto.createSecretKey(Buffer.from(jwk.k, 'base64url')));
      }
      const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...publicPart } = jwk;
      return describe(crypto.createPublicKey({ key: publicPart, format: 'jwk' }));
    },
    importPem(pem) {
      return describe(crypto.createPublicKey(pem));
    },
    importKeyObject(key) {
      const candidate = key as NodeKeyObject & CryptoKey;
      if (typeof (candidate as CryptoKey).algorithm === 'object' && 'usages' in candidate) {
        return describe(crypto.KeyObject.from(candidate as CryptoKey));
      }
      return describe(candidate);
    },
    verify(alg: Algorithm, key, signingInput, signature) {
      const hash = NODE_HASH[hashOf(alg)];
      const handle = key.handle;
      try {
        switch (alg[0]) {
          case 'H': {
            const mac = crypto.createHmac(hash, handle).update(signingInput, 'latin1').digest();
            return mac.length === signature.length && crypto.timingSafeEqual(mac, signature);
          }
          case 'R':
            return crypto.verify(hash, Buffer.from(signingInput, 'latin1'), handle, signature);
          case 'P':
            return crypto.verify(
              hash,
              Buffer.from(signingInput, 'latin1'),
              { key: handle, ...pss },
              signature,
            );
          case 'E':
            if (alg === 'EdDSA' || alg === 'Ed25519') {
              return (
                signature.length === 64 &&
                crypto.verify(null, Buffer.from(signingInput, 'latin1'), handle, signature)
              );
            }
            return (
              signature.length === ECDSA_SIGNATURE_BYTES[alg] &&
              crypto.verify(
                hash,
                Buffer.from(signingInput, 'latin1'),
                { key: handle, dsaEncoding: 'ieee-p1363' },
                signature,
              )
            );
          default:
            return false;
        }
      } catch {
        return false;
      }
    },
  };
}
