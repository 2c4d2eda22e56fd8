/**
 * Key material and a low-level token builder for the security suite. Tokens are put together
 * byte by byte (header and payload as objects, JSON text or raw bytes; segments rewritten before
 * or after signing), because most attacks are tokens that a well-behaved signer refuses to make.
 */
import {
  createHmac,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  constants as nodeConstants,
  sign as nodeSign,
} from 'node:crypto';
import type { TokengateOptions } from '../../src/index.js';
import {
  ATTACKER_EC_CERT,
  ATTACKER_EC_KEY,
  ATTACKER_ED25519_CERT,
  ATTACKER_ED25519_KEY,
  ATTACKER_RSA_CERT,
  ATTACKER_RSA_KEY,
} from './fixtures.js';

/** The four key configurations every attack runs against. */
export type KeyMode = 'HS256' | 'RS256' | 'ES256' | 'EdDSA';

/** Every key mode, in the order the suites run them. */
export const KEY_MODES: readonly KeyMode[] = ['HS256', 'RS256', 'ES256', 'EdDSA'];

/** A token part: an object (merged over the defaults, `undefined` values dropped), JSON text, or raw bytes. */
export type Part = Record<string, unknown> | string | Uint8Array;

/** Which key signs: the configured one, the attacker's one of the same family, or HMAC with given bytes. */
export type SignKey = 'legit' | 'attacker' | { hmac: string | Uint8Array };

/** How {@link AttackKit.token} builds a token. */
export interface TokenSpec {
  /** Header: an object is merged over {@link AttackKit.header}. */
  header?: Part;
  /** Claims: an object is merged over {@link AttackKit.claims}. */
  claims?: Part;
  /** Algorithm used to sign (default: the header's `alg` when it is a string, else the mode's). */
  signAlg?: string;
  /** Signing key. @default 'legit' */
  key?: SignKey;
  /** Rewrites the encoded header/payload segments *before* signing (the signature stays valid). */
  segments?: (header: string, payload: string) => [string, string];
  /** Rewrites the signature segment after signing (malleability, truncation, …). */
  signature?: (signature: Uint8Array, encoded: string) => string;
}

/** One configured key mode: verifier options plus everything the attacks need to forge tokens. */
export interface AttackKit {
  readonly mode: KeyMode;
  /** Name of the key configuration in test titles (the mode, or e.g. `ES256 via jwksUri`). */
  readonly label: string;
  /** `alg` of legitimate tokens. */
  readonly alg: string;
  readonly issuer: string;
  readonly audience: string;
  /** `kid` of legitimate tokens (key-set modes), else undefined. */
  readonly kid: string | undefined;
  /** Whether the key source selects keys by `kid` (JWKS modes). */
  readonly kidSelectsKey: boolean;
  /** Verifier options: the key source, `issuer` and `audience` (add `crypto`, hooks, …). */
  readonly options: TokengateOptions;
  /** HS256: the secret (a string). */
  readonly secret: string | undefined;
  /** Asymmetric modes: the configured public key as SPKI PEM. */
  readonly publicKeyPem: string | undefined;
  /** Asymmetric modes: the configured public key as SPKI DER bytes. */
  readonly publicKeyDer: Uint8Array | undefined;
  /** Asymmetric modes: the configured public key as a JWK (JSON text gives the confusion secret). */
  readonly publicJwk: JsonWebKey | undefined;
  /** Base URL of the counting "trap" server: attacks point `jku`, `x5u` and URL `kid`s there. */
  readonly trapUrl: string;
  /** The attacker's key (same family as the mode) as a public JWK, for `jwk` injection. */
  readonly attackerJwk: JsonWebKey;
  /** The attacker's self-signed certificate (DER, base64) for `x5c` injection. */
  readonly attackerX5c: string;
  /** Seconds since the epoch when the kit was made; tokens are fresh for 5 minutes after. */
  readonly now: number;
  /** Default header of a legitimate token. */
  header(extra?: Record<string, unknown>): Record<string, unknown>;
  /** Default claims of a legitimate token. */
  claims(extra?: Record<string, unknown>): Record<string, unknown>;
  /** Signs `signingInput` as `alg` (HMAC for `HS*`, whatever the key). */
  sign(alg: string, signingInput: string, key?: SignKey): Uint8Array;
  /** Builds a compact token. */
  token(spec?: TokenSpec): string;
}

/** Unpadded base64url of bytes or of a string's UTF-8. */
export function b64u(value: string | Uint8Array): string {
  return (typeof value === 'string' ? Buffer.from(value, 'utf8') : Buffer.from(value)).toString('base64url');
}

const HASH: Record<string, string> = { '256': 'sha256', '384': 'sha384', '512': 'sha512' };

interface KeyPool {
  rsa: KeyObject;
  ec: KeyObject;
  ed: KeyObject;
  hmac: Uint8Array;
}

function attackerPool(): KeyPool {
  return {
    rsa: createPrivateKey(ATTACKER_RSA_KEY),
    ec: createPrivateKey(ATTACKER_EC_KEY),
    ed: createPrivateKey(ATTACKER_ED25519_KEY),
    hmac: Buffer.from('attacker-chosen-hmac-secret-0123456789abcdef'),
  };
}

function signWith(alg: string, input: string, pool: KeyPool): Uint8Array {
  const data = Buffer.from(input, 'latin1');
  const family = alg.slice(0, 2);
  const hash = HASH[alg.slice(-3)] ?? 'sha256';
  if (family === 'HS') return createHmac(hash, pool.hmac).update(data).digest();
  if (family === 'RS') return nodeSign(hash, data, pool.rsa);
  if (family === 'PS') {
    return nodeSign(hash, data, {
      key: pool.rsa,
      padding: nodeConstants.RSA_PKCS1_PSS_PADDING,
      saltLength: nodeConstants.RSA_PSS_SALTLEN_DIGEST,
    });
  }
  if (family === 'ES') return nodeSign(hash, data, { key: pool.ec, dsaEncoding: 'ieee-p1363' });
  if (alg === 'EdDSA' || alg === 'Ed25519') return nodeSign(null, data, pool.ed);
  // `none`, unknown names, non-strings: the attacker has to put *something* there.
  return createHmac('sha256', pool.hmac).update(data).digest();
}

function encodePart(part: Part | undefined, defaults: Record<string, unknown>): string {
  if (typeof part === 'string') return b64u(part);
  if (part instanceof Uint8Array) return b64u(part);
  const merged: Record<string, unknown> = { ...defaults };
  for (const [name, value] of Object.entries(part ?? {})) {
    if (value === undefined) delete merged[name];
    else merged[name] = value;
  }
  return b64u(JSON.stringify(merged));
}

const SECRET = 'tokengate-security-suite-secret-7f3a9c1e5b2d';

/**
 * Creates one kit per key mode: HS256 with a string `secret`, RS256 with a PEM `publicKey`, ES256
 * and EdDSA with a local `jwks` (keys published without `alg`, as real identity providers do).
 */
export function createAttackKits(trapUrl: string): Record<KeyMode, AttackKit> {
  const attacker = attackerPool();
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const ed = generateKeyPairSync('ed25519');
  const legit: KeyPool = {
    rsa: rsa.privateKey,
    ec: ec.privateKey,
    ed: ed.privateKey,
    hmac: Buffer.from(SECRET),
  };
  const issuer = 'https://issuer.security.test/';
  const audience = 'api://tokengate-security';
  const now = Math.floor(Date.now() / 1000);
  const certDer = (pem: string) => pem.replace(/-----[^-]+-----|\s/g, '');

  const make = (mode: KeyMode): AttackKit => {
    const publicKey =
      mode === 'RS256'
        ? rsa.publicKey
        : mode === 'ES256'
          ? ec.publicKey
          : mode === 'EdDSA'
            ? ed.publicKey
            : undefined;
    const kid = mode === 'ES256' || mode === 'EdDSA' ? `${mode.toLowerCase()}-key-1` : undefined;
    const publicJwk = publicKey ? (publicKey.export({ format: 'jwk' }) as JsonWebKey) : undefined;
    const keyOption: TokengateOptions =
      mode === 'HS256'
        ? { secret: SECRET }
        : mode === 'RS256'
          ? { publicKey: publicKey!.export({ type: 'spki', format: 'pem' }) as string }
          : { jwks: { keys: [{ ...publicJwk, kid: kid!, use: 'sig' } as JsonWebKey] } };
    const attackerPublic =
      mode === 'RS256'
        ? attacker.rsa
        : mode === 'ES256'
          ? attacker.ec
          : mode === 'EdDSA'
            ? attacker.ed
            : undefined;
    const attackerJwk: JsonWebKey = attackerPublic
      ? (createPublicKey(attackerPublic).export({ format: 'jwk' }) as JsonWebKey)
      : { kty: 'oct', k: b64u(attacker.hmac) };
    const attackerX5c = certDer(
      mode === 'ES256' ? ATTACKER_EC_CERT : mode === 'EdDSA' ? ATTACKER_ED25519_CERT : ATTACKER_RSA_CERT,
    );
    const kit: AttackKit = {
      mode,
      label: mode,
      alg: mode,
      issuer,
      audience,
      kid,
      kidSelectsKey: kid !== undefined,
      options: { ...keyOption, issuer, audience },
      secret: mode === 'HS256' ? SECRET : undefined,
      publicKeyPem: publicKey ? (publicKey.export({ type: 'spki', format: 'pem' }) as string) : undefined,
      publicKeyDer: publicKey ? new Uint8Array(publicKey.export({ type: 'spki', format: 'der' })) : undefined,
      publicJwk,
      trapUrl,
      attackerJwk,
      attackerX5c,
      now,
      header: (extra = {}) => ({ alg: mode, typ: 'JWT', ...(kid ? { kid } : {}), ...extra }),
      claims: (extra = {}) => ({
        iss: issuer,
        aud: audience,
        sub: 'alice',
        scope: 'orders:read',
        iat: now,
        exp: now + 300,
        jti: 'jti-0001',
        ...extra,
      }),
      sign(alg, signingInput, key = 'legit') {
        if (typeof key === 'object') {
          const bytes = typeof key.hmac === 'string' ? Buffer.from(key.hmac, 'utf8') : key.hmac;
          return signWith(alg, signingInput, { ...attacker, hmac: bytes });
        }
        if (key === 'attacker') return signWith(alg, signingInput, attacker);
        // The legitimate party only holds the mode's own key; other families fall back to the attacker's.
        const pool: KeyPool = {
          rsa: mode === 'RS256' ? legit.rsa : attacker.rsa,
          ec: mode === 'ES256' ? legit.ec : attacker.ec,
          ed: mode === 'EdDSA' ? legit.ed : attacker.ed,
          hmac: mode === 'HS256' ? legit.hmac : attacker.hmac,
        };
        return signWith(alg, signingInput, pool);
      },
      token(spec = {}) {
        const headerObject = typeof spec.header === 'object' && !(spec.header instanceof Uint8Array);
        let h = encodePart(spec.header, kit.header());
        let p = encodePart(spec.claims, kit.claims());
        if (spec.segments) [h, p] = spec.segments(h, p);
        const headerAlg = headerObject ? (spec.header as Record<string, unknown>).alg : undefined;
        const alg = spec.signAlg ?? (typeof headerAlg === 'string' ? headerAlg : mode);
        const signature = kit.sign(alg, `${h}.${p}`, spec.key);
        const encoded = b64u(signature);
        return `${h}.${p}.${spec.signature ? spec.signature(signature, encoded) : encoded}`;
      },
    };
    return kit;
  };
  return { HS256: make('HS256'), RS256: make('RS256'), ES256: make('ES256'), EdDSA: make('EdDSA') };
}

/**
 * The same keys and tokens as `kit`, verified through another key source (e.g. a remote
 * `jwksUri` serving `kit`'s key set), so every attack also runs through that code path.
 */
export function withKeySource(kit: AttackKit, label: string, keyOptions: TokengateOptions): AttackKit {
  return { ...kit, label, options: { ...keyOptions, issuer: kit.issuer, audience: kit.audience } };
}
