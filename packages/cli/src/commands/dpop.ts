import { createPublicKey, randomUUID } from 'node:crypto';
import { calculateJwkThumbprint, importJWK, type JWK, SignJWT } from 'jose';
import { parse, str } from '../args.js';
import { EXIT, UsageError } from '../errors.js';
import { isObject, parseJson, readText } from '../input.js';
import { type Io, json, line } from '../output.js';
import { dpopSpec } from '../specs.js';

const PROOF_ALGS: Record<string, string> = {
  'P-256': 'ES256',
  'P-384': 'ES384',
  'P-521': 'ES512',
  Ed25519: 'EdDSA',
};
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;
const quote = (value: string) => `'${value.replace(/'/g, `'\\''`)}'`;

/**
 * `tokengate dpop`: an RFC 9449 DPoP proof for one request, signed by a private JWK (as `keygen`
 * prints it), and with `--token` the curl arguments that send it.
 */
export async function dpopCommand(argv: readonly string[], io: Io): Promise<number> {
  const { values } = parse(dpopSpec, argv);
  const keyPath = str(values, 'key');
  const target = str(values, 'url');
  if (keyPath === undefined)
    throw new UsageError('--key is required (a private JWK: tokengate keygen)', 'dpop');
  if (target === undefined) throw new UsageError('--url is required', 'dpop');
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    throw new UsageError('--url must be an absolute URL', 'dpop');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new UsageError('--url must be http(s)', 'dpop');
  const method = (str(values, 'method') ?? 'GET').toUpperCase();
  if (!/^[A-Z]+$/.test(method)) throw new UsageError('--method must be an HTTP method', 'dpop');
  const token = str(values, 'token');
  if (token !== undefined && !B64TOKEN.test(token)) throw new UsageError('--token is not one token', 'dpop');

  const where = `--key ${JSON.stringify(keyPath)}`;
  const jwk = parseJson(await readText(keyPath, 'key', 'dpop'), where, 'dpop');
  if (!isObject(jwk) || typeof jwk.kty !== 'string') throw new UsageError(`${where} is not a JWK`, 'dpop');
  if (jwk.kty === 'oct')
    throw new UsageError('DPoP proofs need an asymmetric key (ES256, EdDSA, RS256…)', 'dpop');
  if (jwk.d === undefined)
    throw new UsageError(`${where} is a public key; the proof needs the private key`, 'dpop');
  const alg =
    str(values, 'alg') ??
    (typeof jwk.alg === 'string' ? jwk.alg : jwk.kty === 'RSA' ? 'RS256' : PROOF_ALGS[String(jwk.crv)]);
  if (alg === undefined || alg.startsWith('HS') || alg.toLowerCase() === 'none') {
    throw new UsageError(`cannot tell an asymmetric algorithm for ${where}; pass --alg`, 'dpop');
  }
  // The proof's public `jwk` holds only the public members RFC 7638 names (`kty`, `crv`, `x`, `y`,
  // `n`, `e`): node:crypto derives the public key from the private one and exports exactly those,
  // so nothing else in the key file (`kid`, notes, private members) is ever published.
  let pub: JWK;
  try {
    pub = createPublicKey({ key: jwk as Record<string, unknown>, format: 'jwk' }).export({
      format: 'jwk',
    }) as JWK;
  } catch {
    throw new UsageError(`${where} is not a usable private key for ${alg}`, 'dpop');
  }
  let key: Awaited<ReturnType<typeof importJWK>>;
  try {
    key = await importJWK(jwk as JWK, alg);
  } catch {
    throw new UsageError(`${where} is not a usable private key for ${alg}`, 'dpop');
  }
  const claims: Record<string, unknown> = {
    jti: randomUUID(),
    htm: method,
    htu: `${url.origin}${url.pathname}`,
    iat: Math.floor(Date.now() / 1000),
  };
  if (token !== undefined) {
    const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(token));
    claims.ath = Buffer.from(digest).toString('base64url');
  }
  const nonce = str(values, 'nonce');
  if (nonce !== undefined) claims.nonce = nonce;
  const proof = await new SignJWT(claims).setProtectedHeader({ alg, typ: 'dpop+jwt', jwk: pub }).sign(key);
  const jkt = await calculateJwkThumbprint(pub);
  const curl =
    token === undefined
      ? undefined
      : `curl${method === 'GET' ? '' : ` -X ${method}`} -H ${quote(`Authorization: DPoP ${token}`)} -H ${quote(`DPoP: ${proof}`)} ${quote(url.href)}`;
  if (values.json) {
    line(io.stdout, json({ ok: true, proof, jkt, htm: method, htu: claims.htu, ...(curl ? { curl } : {}) }));
  } else line(io.stdout, curl ?? proof);
  return EXIT.ok;
}
