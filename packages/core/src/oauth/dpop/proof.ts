import type { JwtHeader } from '../../context/types.js';
import type { CryptoBackend, ImportedKey } from '../../crypto/index.js';
import { AuthError, isAuthError } from '../../errors/auth-error.js';
import type { AuthErrorReason } from '../../errors/codes.js';
import type { RequestLike } from '../../request/token-sources.js';
import { type Algorithm, CURVE_OF, keyTypeOf } from '../../token/algorithms.js';
import { decodeJwt } from '../../token/jws.js';
import { safeEqual, sha256Base64url } from './digest.js';
import { normalizeHtu, requestHtu } from './htu.js';
import type { DpopSettings } from './options.js';
import { jwkThumbprint, requiredMembers } from './thumbprint.js';

/** Longest `DPoP` header accepted, in characters (an RSA-4096 proof is about 2 KB). */
export const MAX_PROOF_LENGTH = 8192;
/** Longest `jti` accepted, in characters. */
const MAX_JTI_LENGTH = 256;
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const;
const KEY_CACHE_SIZE = 1024;

function invalidProof(message: string, reason?: AuthErrorReason, cause?: unknown): AuthError {
  return new AuthError('invalid_dpop_proof', message, reason === undefined ? { cause } : { reason, cause });
}

/** What a proof's header says about its key, once it passed {@link checkProofHeader}. */
interface ProofKey {
  readonly alg: Algorithm;
  /** The public key's RFC 7638 required members. */
  readonly members: Record<string, string>;
  /** Their thumbprint, once computed. */
  thumbprint?: string;
}

/**
 * RFC 9449 §4.3 steps 4, 5 and 7 (everything that depends on the header alone): `typ`, an
 * allowed asymmetric `alg`, and a public `jwk` of that algorithm's type and curve.
 * @throws AuthError `invalid_dpop_proof`.
 */
function checkProofHeader(header: JwtHeader, algorithms: ReadonlySet<Algorithm>): ProofKey {
  // §4.3 4: typ.
  if (typeof header.typ !== 'string' || !/^(?:application\/)?dpop\+jwt$/i.test(header.typ)) {
    throw invalidProof('the DPoP proof "typ" header is not "dpop+jwt"', 'type');
  }
  // §4.3 5: an asymmetric algorithm from the allow-list (`none` was refused by decodeJwt).
  const alg = header.alg as Algorithm;
  if (!algorithms.has(alg)) {
    throw invalidProof('the DPoP proof "alg" is not accepted', 'alg_not_allowed');
  }
  // §4.3 7: a public key, of the algorithm's type and curve.
  const jwk = header.jwk;
  if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk)) {
    throw invalidProof('the DPoP proof has no "jwk" header', 'malformed');
  }
  const jwkObject = jwk as Record<string, unknown>;
  if (PRIVATE_MEMBERS.some((name) => Object.hasOwn(jwkObject, name))) {
    throw invalidProof('the DPoP proof "jwk" contains private key material', 'malformed');
  }
  const members = requiredMembers(jwkObject);
  if (!members || members.kty !== keyTypeOf(alg)) {
    throw invalidProof('the DPoP proof "jwk" does not fit its "alg"', 'alg_not_allowed');
  }
  const curve = CURVE_OF[alg];
  if ((curve !== undefined || members.kty === 'OKP') && members.crv !== (curve ?? 'Ed25519')) {
    throw invalidProof('the DPoP proof "jwk" curve does not fit its "alg"', 'alg_not_allowed');
  }
  return { alg, members };
}

/** Checks DPoP proofs for one middleware: keys are imported once per thumbprint and kept. */
export interface ProofChecker {
  /**
   * Checks the request's `DPoP` proof for `token`, bound to `jkt` (the token's `cnf.jkt`), per
   * RFC 9449 §4.3 and §7.1, then records its `jti` in the replay store.
   * @throws AuthError `invalid_dpop_proof`, `invalid_token` (`dpop_binding`), `use_dpop_nonce`
   * or `replay_unavailable`.
   */
  check(request: RequestLike, token: string, jkt: string): Promise<void>;
}

/** Creates the proof checker of a middleware's `dpop` settings. */
export function createProofChecker(settings: DpopSettings, backend: CryptoBackend): ProofChecker {
  const keys = new Map<string, ImportedKey>();
  // A client sends the same token and key with every proof: their digests are computed once.
  const proofKeys = new WeakMap<object, ProofKey>();
  const tokenDigests = new Map<string, string>();

  async function importKey(thumbprint: string, members: Record<string, string>): Promise<ImportedKey> {
    const known = keys.get(thumbprint);
    if (known) return known;
    let key: ImportedKey;
    try {
      key = await backend.importJwk(members as JsonWebKey);
    } catch (error) {
      // WebCrypto may accept a point off the curve at import and only fail to verify: both
      // backends answer `bad_signature`, so the reason does not depend on the runtime.
      throw invalidProof('DPoP proof "jwk" is not a usable public key', 'bad_signature', error);
    }
    if (key.kty === 'RSA' && (key.modulusLength ?? 0) < 2048) {
      throw invalidProof('DPoP proof RSA key is shorter than 2048 bits', 'alg_not_allowed');
    }
    if (keys.size >= KEY_CACHE_SIZE) keys.clear();
    keys.set(thumbprint, key);
    return key;
  }

  async function nonceError(message: string): Promise<AuthError> {
    return new AuthError('use_dpop_nonce', message, { dpopNonce: await settings.nonce!.current() });
  }

  async function check(request: RequestLike, token: string, jkt: string): Promise<void> {
    // §4.3 1-2: exactly one DPoP header holding one JWT. Repeated lines arrive joined with ", ".
    const value = request.header('dpop');
    if (value === undefined || value === '') throw invalidProof('the DPoP header is missing');
    if (value.length > MAX_PROOF_LENGTH) {
      throw invalidProof(`the DPoP proof is longer than ${MAX_PROOF_LENGTH} characters`, 'too_large');
    }
    if (value.includes(',')) throw invalidProof('more than one DPoP header');
    let decoded: ReturnType<typeof decodeJwt>;
    try {
      decoded = decodeJwt(value.trim());
    } catch (error) {
      if (!isAuthError(error)) throw error;
      throw invalidProof('the DPoP proof is not a well-formed JWT', error.reason ?? 'malformed', error);
    }
    const { header, payload } = decoded;
    // §4.3 4, 5, 7: decodeJwt returns one frozen object per distinct header text, so a client's
    // header is checked once and its key members are kept with it.
    let proofKey = proofKeys.get(header);
    if (proofKey === undefined) {
      proofKey = checkProofHeader(header, settings.algorithms);
      proofKeys.set(header, proofKey);
    }
    const { alg, members } = proofKey;
    // §4.3 3: required claims.
    const { jti, htm, htu, iat, ath, nonce } = payload as Record<string, unknown>;
    if (typeof jti !== 'string' || jti === '' || jti.length > MAX_JTI_LENGTH) {
      throw invalidProof('the DPoP proof "jti" is missing or invalid', 'claims');
    }
    if (
      typeof htm !== 'string' ||
      typeof htu !== 'string' ||
      typeof iat !== 'number' ||
      !Number.isFinite(iat)
    ) {
      throw invalidProof('the DPoP proof lacks "htm", "htu" or a numeric "iat"', 'claims');
    }
    if (typeof ath !== 'string') throw invalidProof('the DPoP proof has no "ath"', 'ath');
    // §4.3 8-9: method and URL.
    if (htm !== request.method)
      throw invalidProof('the DPoP proof "htm" does not match the method', 'method');
    const expected = requestHtu(request, settings.publicUrl);
    if (expected === undefined) throw invalidProof('the request URL cannot be determined for "htu"', 'url');
    if (normalizeHtu(htu) !== expected)
      throw invalidProof('the DPoP proof "htu" does not match the URL', 'url');
    // §4.3 11: freshness.
    const now = Date.now() / 1000;
    if (iat > now + settings.clockTolerance)
      throw invalidProof('the DPoP proof "iat" is in the future', 'not_yet_valid');
    if (iat < now - settings.maxAge) throw invalidProof('the DPoP proof is too old', 'expired');
    // §4.3 12: the proof names this access token.
    let digest: string | Promise<string> | undefined = tokenDigests.get(token);
    if (digest === undefined) {
      digest = sha256Base64url(token);
      if (digest instanceof Promise) digest = await digest;
      if (tokenDigests.size >= KEY_CACHE_SIZE) tokenDigests.clear();
      tokenDigests.set(token, digest);
    }
    if (!safeEqual(ath, digest))
      throw invalidProof('the DPoP proof "ath" does not match the access token', 'ath');
    // §4.3 13 / §7.1: the proof key is the one the token is bound to.
    let thumbprint: string | Promise<string> | undefined = proofKey.thumbprint;
    if (thumbprint === undefined) {
      thumbprint = jwkThumbprint(members);
      if (thumbprint instanceof Promise) thumbprint = await thumbprint;
      proofKey.thumbprint = thumbprint;
    }
    if (!safeEqual(thumbprint, jkt)) {
      throw new AuthError('invalid_token', 'the DPoP proof key is not the key the token is bound to', {
        reason: 'dpop_binding',
      });
    }
    // §4.3 6: the signature.
    const key = keys.get(thumbprint) ?? (await importKey(thumbprint, members));
    let valid = backend.verify(alg, key, decoded.signingInput, decoded.signature);
    if (valid instanceof Promise) valid = await valid;
    if (!valid) throw invalidProof('the DPoP proof signature does not verify', 'bad_signature');
    // §4.3 10 / §8: the server nonce.
    if (settings.nonce) {
      if (nonce === undefined) throw await nonceError('the DPoP proof must carry the server nonce');
      let fresh = typeof nonce === 'string' && settings.nonce.check(nonce);
      if (fresh instanceof Promise) fresh = await fresh;
      if (!fresh) throw await nonceError('the DPoP proof nonce is not the current one');
    }
    // §11.1: a proof is used once.
    let first: boolean | Promise<boolean>;
    try {
      first = settings.replay.markUsed(`${thumbprint}:${jti}`, settings.maxAge + settings.clockTolerance);
      if (first instanceof Promise) first = await first;
    } catch (error) {
      throw new AuthError(
        'replay_unavailable',
        `the DPoP replay store failed: ${(error as Error)?.message}`,
        {
          cause: error,
        },
      );
    }
    if (!first) throw invalidProof('the DPoP proof was already used', 'replayed');
  }

  return { check };
}

/** The `dpop` settings of a middleware with its proof checker, as the verifier's settings hold them. */
export interface DpopRequestSettings extends DpopSettings, ProofChecker {}
