import { randomUUID } from 'node:crypto';
import { base64url, SignJWT } from 'jose';
import { generateSigningKey, type SigningKey, signWithHeaderAlg } from './keys.js';
import { toSeconds } from './seconds.js';

/**
 * The token factory of a test issuer: claims with their defaults, the header, deliberate defects
 * for negative tests (expired, wrong key, tampered, a lying `alg`, hand-set header parameters),
 * and the signature.
 */

/** Deliberate defects for negative tests; see {@link SignOptions.defect}. */
export type TokenDefect = 'expired' | 'wrong-key' | 'tampered';

/** Options of {@link TestIssuer.sign}. */
export interface SignOptions {
  /**
   * Lifetime: seconds or a duration (`'30s'`, `'15m'`, `'2h'`, `'1d'`), counted from `iat`.
   * `null` leaves `exp` out.
   * @default '5m'
   */
  expiresIn?: number | string | null;
  /** `nbf`, as seconds or a duration counted from `iat` (negative numbers allowed); none by default. */
  notBefore?: number | string;
  /**
   * `iat`, in seconds since the epoch. `null` leaves `iat` out.
   * @default now
   */
  issuedAt?: number | null;
  /** `aud`; overrides the issuer's `audience` option. `null` leaves `aud` out. */
  audience?: string | string[] | null;
  /** `iss`; overrides the issuer's. `null` leaves `iss` out. */
  issuer?: string | null;
  /** `sub`. */
  subject?: string;
  /**
   * Header `kid`: `null` omits it.
   * @default the current signing key's kid
   */
  kid?: string | null;
  /**
   * Header `typ`: `null` omits it.
   * @default 'JWT'
   */
  typ?: string | null;
  /**
   * Header `alg` that differs from the key's, for negative tests. `'none'` gives an unsecured
   * token (empty signature); an `HS*` value on an asymmetric issuer gives an HMAC keyed by the
   * public key's PEM (the algorithm-confusion forgery); another algorithm of the key's family
   * (`RS384`, `PS256`, `ES384`…) is really used with the issuer's key; anything else keeps the
   * key's own signature and only the header lies.
   */
  alg?: string;
  /**
   * A deliberate defect:
   * - `'expired'`: `exp` one hour in the past (`iat` before it);
   * - `'wrong-key'`: signed by a fresh key of the same algorithm under the same `kid`;
   * - `'tampered'`: one payload character changed after signing, re-encoded canonically, so only
   *   the signature is wrong.
   */
  defect?: TokenDefect;
  /**
   * Extra protected-header parameters (for example `crit`, `b64`, `jku`), merged last. The token is
   * then signed by hand, so jose does not refuse headers that a verifier should refuse.
   */
  header?: Record<string, unknown>;
  /**
   * Binds the token to a DPoP key (RFC 9449 §6.1): `cnf.jkt` set to this thumbprint, or to a
   * DPoP client's (see `createDpopClient`).
   */
  dpop?: string | { readonly jkt: string };
}

/** What a token gets from its issuer unless the sign options say otherwise. */
export interface SignDefaults {
  issuer: string | undefined;
  audience: string | string[] | undefined;
}

/** Signs one test token with `key`; see {@link TestIssuer.sign}. */
export async function signToken(
  key: SigningKey,
  claims: Record<string, unknown>,
  options: SignOptions,
  defaults: SignDefaults,
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  let iat: number | undefined = options.issuedAt === null ? undefined : (options.issuedAt ?? now);
  const lifetime = options.expiresIn === null ? undefined : toSeconds(options.expiresIn ?? '5m', 'expiresIn');
  const base = iat ?? now;
  let exp = lifetime === undefined ? undefined : base + lifetime;
  if (options.defect === 'expired') {
    exp = now - 3600;
    iat = exp - (lifetime ?? 300);
  }
  const payload: Record<string, unknown> = { jti: randomUUID(), ...claims };
  setOrDelete(
    payload,
    'iss',
    options.issuer === undefined ? (claims.iss ?? defaults.issuer) : options.issuer,
  );
  setOrDelete(
    payload,
    'aud',
    options.audience === undefined ? (claims.aud ?? defaults.audience) : options.audience,
  );
  if (options.subject !== undefined) payload.sub = options.subject;
  if (options.dpop !== undefined) {
    payload.cnf = { jkt: typeof options.dpop === 'string' ? options.dpop : options.dpop.jkt };
  }
  if (!('iat' in claims) || options.issuedAt !== undefined || options.defect === 'expired') {
    setOrDelete(payload, 'iat', iat);
  }
  if (!('exp' in claims) || options.expiresIn !== undefined || options.defect === 'expired') {
    setOrDelete(payload, 'exp', exp);
  }
  if (options.notBefore !== undefined) payload.nbf = base + toSeconds(options.notBefore, 'notBefore');

  const header: Record<string, unknown> = { alg: options.alg ?? key.alg };
  const kid = options.kid === undefined ? key.kid : options.kid;
  if (kid !== null) header.kid = kid;
  const typ = options.typ === undefined ? 'JWT' : options.typ;
  if (typ !== null) header.typ = typ;
  Object.assign(header, options.header);

  const signer = options.defect === 'wrong-key' ? await generateSigningKey(key.alg, key.kid) : key;
  let token: string;
  if (options.alg === undefined && options.header === undefined) {
    token = await new SignJWT(payload).setProtectedHeader(header as { alg: string }).sign(signer.signingKey);
  } else {
    const input = `${encodeJson(header)}.${encodeJson(payload)}`;
    token = `${input}.${base64url.encode(signWithHeaderAlg(input, String(header.alg), signer))}`;
  }
  return options.defect === 'tampered' ? tamper(token) : token;
}

function setOrDelete(target: Record<string, unknown>, name: string, value: unknown): void {
  if (value === undefined || value === null) delete target[name];
  else target[name] = value;
}

function encodeJson(value: unknown): string {
  return base64url.encode(JSON.stringify(value));
}

/** Changes one character of the payload (the `jti`, else `sub`, else adds a claim), keeping the signature. */
function tamper(token: string): string {
  const [header, payload, signature] = token.split('.') as [string, string, string];
  const claims = JSON.parse(new TextDecoder().decode(base64url.decode(payload))) as Record<string, unknown>;
  const field =
    typeof claims.jti === 'string' && claims.jti
      ? 'jti'
      : typeof claims.sub === 'string' && claims.sub
        ? 'sub'
        : undefined;
  if (field) {
    const value = claims[field] as string;
    claims[field] = (value[0] === 'x' ? 'y' : 'x') + value.slice(1);
  } else {
    claims.tampered = true;
  }
  return `${header}.${encodeJson(claims)}.${signature}`;
}
