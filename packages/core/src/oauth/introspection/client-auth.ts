import { encodeBase64url } from '../../token/base64url.js';

/**
 * How this resource server authenticates to the introspection endpoint (RFC 7662 §2.1 requires
 * it): `client_secret_basic` and `client_secret_post` (RFC 6749 §2.3.1), or `private_key_jwt`
 * (RFC 7523 §2.2, OpenID Connect Core §9) with a fresh client assertion per request.
 */

/** A validated `privateKey`: the key as given and the signature algorithm it uses. */
export interface ClientKey {
  readonly input: JsonWebKey | CryptoKey;
  readonly alg: string;
  readonly kid: string | undefined;
}

const SIGN: Record<string, { importAs: Record<string, unknown>; signAs: Record<string, unknown> }> = {};
for (const bits of [256, 384, 512] as const) {
  const hash = `SHA-${bits}`;
  SIGN[`RS${bits}`] = {
    importAs: { name: 'RSASSA-PKCS1-v1_5', hash },
    signAs: { name: 'RSASSA-PKCS1-v1_5' },
  };
  SIGN[`PS${bits}`] = {
    importAs: { name: 'RSA-PSS', hash },
    signAs: { name: 'RSA-PSS', saltLength: bits / 8 },
  };
  const curve = bits === 512 ? 'P-521' : `P-${bits}`;
  SIGN[`ES${bits}`] = { importAs: { name: 'ECDSA', namedCurve: curve }, signAs: { name: 'ECDSA', hash } };
}
SIGN.EdDSA = { importAs: { name: 'Ed25519' }, signAs: { name: 'Ed25519' } };
SIGN.Ed25519 = SIGN.EdDSA;

function algOfJwk(jwk: JsonWebKey): string | undefined {
  if (typeof jwk.alg === 'string') return jwk.alg;
  if (jwk.kty === 'RSA') return 'RS256';
  if (jwk.kty === 'EC') return { 'P-256': 'ES256', 'P-384': 'ES384', 'P-521': 'ES512' }[jwk.crv ?? ''];
  if (jwk.kty === 'OKP' && jwk.crv === 'Ed25519') return 'EdDSA';
  return undefined;
}

function algOfCryptoKey(key: CryptoKey): string | undefined {
  const algorithm = key.algorithm as { name: string; hash?: { name: string }; namedCurve?: string };
  const bits = algorithm.hash?.name.replace('SHA-', '');
  if (algorithm.name === 'RSASSA-PKCS1-v1_5') return `RS${bits}`;
  if (algorithm.name === 'RSA-PSS') return `PS${bits}`;
  if (algorithm.name === 'ECDSA')
    return { 'P-256': 'ES256', 'P-384': 'ES384', 'P-521': 'ES512' }[algorithm.namedCurve ?? ''];
  if (algorithm.name === 'Ed25519') return 'EdDSA';
  return undefined;
}

/** Validates `introspection.privateKey`: a private JWK or a private `CryptoKey` that can sign. */
export function validateClientKey(value: unknown, label: string): ClientKey {
  const isCryptoKey = typeof CryptoKey !== 'undefined' && value instanceof CryptoKey;
  if (isCryptoKey) {
    const key = value as CryptoKey;
    const alg = algOfCryptoKey(key);
    if (key.type !== 'private' || alg === undefined || SIGN[alg] === undefined)
      throw new TypeError(`tokengate: ${label} must be a private RSA, EC or Ed25519 signing key`);
    return { input: key, alg, kid: undefined };
  }
  const jwk = value as JsonWebKey | null;
  if (typeof jwk !== 'object' || jwk === null || typeof jwk.kty !== 'string' || typeof jwk.d !== 'string') {
    throw new TypeError(`tokengate: ${label} must be a private JWK (with "d") or a private CryptoKey`);
  }
  const alg = algOfJwk(jwk);
  if (alg === undefined || SIGN[alg] === undefined) {
    throw new TypeError(`tokengate: ${label} has no usable signature algorithm (RS*, PS*, ES*, EdDSA)`);
  }
  const kid = (jwk as { kid?: unknown }).kid;
  return { input: jwk, alg, kid: typeof kid === 'string' ? kid : undefined };
}

/** What a request to the endpoint carries for client authentication. */
export interface ClientCredentials {
  readonly headers: Record<string, string>;
  readonly body: Record<string, string>;
}

/** RFC 6749 §2.3.1: client id and secret are form-encoded before Basic encoding. */
function formEncode(value: string): string {
  return encodeURIComponent(value).replace(/%20/g, '+');
}

const encoder = new TextEncoder();
const imported = new WeakMap<ClientKey, Promise<CryptoKey>>();

function importClientKey(key: ClientKey): Promise<CryptoKey> {
  let found = imported.get(key);
  if (found === undefined) {
    const input = key.input;
    found =
      typeof CryptoKey !== 'undefined' && input instanceof CryptoKey
        ? Promise.resolve(input)
        : crypto.subtle.importKey('jwk', input as JsonWebKey, SIGN[key.alg]!.importAs as never, false, [
            'sign',
          ]);
    imported.set(key, found);
  }
  return found;
}

/** A signed client assertion (RFC 7523 §3): `iss` = `sub` = client id, a fresh `jti`, 60 s. */
async function clientAssertion(key: ClientKey, clientId: string, audience: string): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const header: Record<string, string> = { alg: key.alg, typ: 'JWT' };
  if (key.kid !== undefined) header.kid = key.kid;
  const payload = {
    iss: clientId,
    sub: clientId,
    aud: audience,
    jti: encodeBase64url(crypto.getRandomValues(new Uint8Array(18))),
    iat: now,
    exp: now + 60,
  };
  const input = `${encodeBase64url(encoder.encode(JSON.stringify(header)))}.${encodeBase64url(encoder.encode(JSON.stringify(payload)))}`;
  const signature = await crypto.subtle.sign(
    SIGN[key.alg]!.signAs as never,
    await importClientKey(key),
    encoder.encode(input),
  );
  return `${input}.${encodeBase64url(new Uint8Array(signature))}`;
}

/** The headers and form members that authenticate one request as `clientId`. */
export async function clientCredentials(
  method: 'client_secret_basic' | 'client_secret_post' | 'private_key_jwt',
  clientId: string,
  secret: string | undefined,
  key: ClientKey | undefined,
  audience: string,
): Promise<ClientCredentials> {
  if (method === 'client_secret_basic') {
    const basic = btoa(
      String.fromCharCode(...encoder.encode(`${formEncode(clientId)}:${formEncode(secret!)}`)),
    );
    return { headers: { authorization: `Basic ${basic}` }, body: {} };
  }
  if (method === 'client_secret_post') {
    return { headers: {}, body: { client_id: clientId, client_secret: secret! } };
  }
  return {
    headers: {},
    body: {
      client_id: clientId,
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: await clientAssertion(key!, clientId, audience),
    },
  };
}
