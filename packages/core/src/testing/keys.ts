import {
  constants,
  createHmac,
  createPrivateKey,
  sign as cryptoSign,
  type KeyObject,
  type JsonWebKey as NodeJsonWebKey,
  randomBytes,
} from 'node:crypto';
import { exportJWK, exportSPKI, generateKeyPair, type JWK } from 'jose';

/** Algorithms a {@link TestIssuer} can sign with. */
export type TestAlgorithm = 'RS256' | 'ES256' | 'EdDSA' | 'HS256';

/** One signing key of a test issuer (private: never leaves the testing entry). */
export interface SigningKey {
  readonly alg: TestAlgorithm;
  readonly kid: string;
  /** What jose's `SignJWT.sign` takes. */
  readonly signingKey: CryptoKey | Uint8Array;
  /** Node key object (asymmetric) for hand-built signatures with another header `alg`. */
  readonly privateKeyObject: KeyObject | undefined;
  /** The public JWK as published (no `alg`, with `kid` and `use: 'sig'`); undefined for HS256. */
  readonly publicJwk: JWK | undefined;
  /** SPKI PEM of the public key; undefined for HS256. */
  readonly publicKeyPem: string | undefined;
  /** The HMAC secret; undefined for asymmetric keys. */
  readonly secret: Uint8Array | undefined;
}

/** A random kid such as `rs256-3f9a1c0d`. */
export function randomKid(alg: TestAlgorithm): string {
  return `${alg.toLowerCase()}-${randomBytes(4).toString('hex')}`;
}

/** Generates a fresh key of `alg` named `kid`. */
export async function generateSigningKey(alg: TestAlgorithm, kid: string): Promise<SigningKey> {
  if (alg === 'HS256') {
    const secret = new Uint8Array(randomBytes(32));
    return {
      alg,
      kid,
      signingKey: secret,
      privateKeyObject: undefined,
      publicJwk: undefined,
      publicKeyPem: undefined,
      secret,
    };
  }
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const { alg: _alg, ...jwk } = await exportJWK(publicKey);
  const privateJwk = await exportJWK(privateKey);
  return {
    alg,
    kid,
    signingKey: privateKey,
    privateKeyObject: createPrivateKey({ key: privateJwk as NodeJsonWebKey, format: 'jwk' }),
    publicJwk: { ...jwk, kid, use: 'sig' },
    publicKeyPem: await exportSPKI(publicKey),
    secret: undefined,
  };
}

const HASH: Record<string, string> = { '256': 'sha256', '384': 'sha384', '512': 'sha512' };

/**
 * Signs `signingInput` for a header that names `headerAlg`, which may differ from the key's own
 * algorithm (negative tests):
 * - `none` → empty signature;
 * - `HS*` with an asymmetric key → HMAC keyed by the public key's PEM (the classic
 *   algorithm-confusion forgery);
 * - `RS*`/`PS*` with an RSA key, `ES*` with an EC key, `EdDSA`/`Ed25519` with an Ed25519 key →
 *   that algorithm with the issuer's key;
 * - anything else → the key's own algorithm, so only the header lies.
 */
export function signWithHeaderAlg(signingInput: string, headerAlg: string, key: SigningKey): Uint8Array {
  const data = Buffer.from(signingInput);
  if (headerAlg === 'none') return new Uint8Array(0);
  const family = headerAlg.slice(0, 2);
  const hash = HASH[headerAlg.slice(2)];
  if (family === 'HS' && hash) {
    const hmacKey = key.secret ?? Buffer.from(key.publicKeyPem!);
    return createHmac(hash, hmacKey).update(data).digest();
  }
  const keyObject = key.privateKeyObject;
  if (keyObject) {
    const type = keyObject.asymmetricKeyType;
    if (hash && family === 'RS' && type === 'rsa') return cryptoSign(hash, data, keyObject);
    if (hash && family === 'PS' && type === 'rsa') {
      return cryptoSign(hash, data, {
        key: keyObject,
        padding: constants.RSA_PKCS1_PSS_PADDING,
        saltLength: constants.RSA_PSS_SALTLEN_DIGEST,
      });
    }
    if (hash && family === 'ES' && type === 'ec') {
      return cryptoSign(hash, data, { key: keyObject, dsaEncoding: 'ieee-p1363' });
    }
    if ((headerAlg === 'EdDSA' || headerAlg === 'Ed25519') && type === 'ed25519') {
      return cryptoSign(null, data, keyObject);
    }
  }
  if (headerAlg === key.alg) throw new TypeError(`cannot sign ${key.alg} with key ${key.kid}`);
  return signWithHeaderAlg(signingInput, key.alg, key);
}
