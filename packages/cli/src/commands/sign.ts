import { createPrivateKey, type KeyObject, type JsonWebKey as NodeJwk } from 'node:crypto';
import {
  ALGORITHMS,
  type Algorithm,
  createVerifier,
  isAlgorithm,
  isSymmetric,
  toSeconds,
} from '@tokengate/core';
import { SignJWT } from 'jose';
import { list, parse, str } from '../args.js';
import { EXIT, UsageError } from '../errors.js';
import { isObject, parseJson, readStdin, readText } from '../input.js';
import { secretFromFile } from '../keys.js';
import { type Io, json, line } from '../output.js';
import { signSpec } from '../specs.js';

const utf8 = new TextEncoder();

function duration(value: string, flag: string): number {
  try {
    return toSeconds(/^\d+(\.\d+)?$/.test(value) ? Number(value) : value, flag);
  } catch {
    throw new UsageError(`--${flag} must be a duration such as 30s, 15m, 2h or a number of seconds`, 'sign');
  }
}

function checkAlg(alg: string): Algorithm {
  if (alg.toLowerCase() === 'none')
    throw new UsageError('--alg none makes an unsecured token; refusing', 'sign');
  if (!isAlgorithm(alg)) throw new UsageError(`--alg must be one of ${ALGORITHMS.join(', ')}`, 'sign');
  return alg;
}

/** The default algorithm for a private key, as core implies one for its public half. */
function impliedAlg(key: KeyObject): Algorithm | undefined {
  const type = key.asymmetricKeyType;
  if (type === 'rsa') return 'RS256';
  if (type === 'rsa-pss') return 'PS256';
  if (type === 'ed25519') return 'EdDSA';
  if (type === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    return curve === 'prime256v1'
      ? 'ES256'
      : curve === 'secp384r1'
        ? 'ES384'
        : curve === 'secp521r1'
          ? 'ES512'
          : undefined;
  }
  return undefined;
}

interface SigningKey {
  key: KeyObject | Uint8Array;
  alg: Algorithm;
  kid: string | undefined;
}

/** Checks an HMAC secret with core's own rules (length per algorithm) by building a verifier. */
function checkSecret(secret: string | Uint8Array, alg: Algorithm, flag: string): void {
  try {
    createVerifier({ secret, algorithms: [alg], cache: false });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new UsageError(message.replace(/^tokengate: /, '').replace(/option "secret"/g, flag), 'sign');
  }
}

async function secretKey(secret: string, flagAlg: string | undefined, flag: string): Promise<SigningKey> {
  const alg = checkAlg(flagAlg ?? 'HS256');
  if (!isSymmetric(alg))
    throw new UsageError(`${flag} signs HMAC tokens (HS256/384/512), not ${alg}`, 'sign');
  checkSecret(secret, alg, flag);
  return { key: utf8.encode(secret), alg, kid: undefined };
}

async function fileKey(path: string, flagAlg: string | undefined): Promise<SigningKey> {
  const text = await readText(path, 'key', 'sign');
  const where = `--key ${JSON.stringify(path)}`;
  if (text.trimStart().startsWith('{')) {
    const jwk = parseJson(text, where, 'sign');
    if (isObject(jwk) && Array.isArray(jwk.keys)) {
      throw new UsageError(`${where} holds a key set; give one private JWK`, 'sign');
    }
    if (!isObject(jwk) || typeof jwk.kty !== 'string')
      throw new UsageError(`${where} is not a JWK (no "kty")`, 'sign');
    const kid = typeof jwk.kid === 'string' ? jwk.kid : undefined;
    const jwkAlg = typeof jwk.alg === 'string' ? jwk.alg : undefined;
    if (flagAlg !== undefined && jwkAlg !== undefined && flagAlg !== jwkAlg) {
      throw new UsageError(`--alg ${flagAlg} does not match the key's "alg" ${jwkAlg}`, 'sign');
    }
    if (jwk.kty === 'oct') {
      if (typeof jwk.k !== 'string') throw new UsageError(`${where} is an "oct" JWK without "k"`, 'sign');
      const alg = checkAlg(flagAlg ?? jwkAlg ?? 'HS256');
      if (!isSymmetric(alg))
        throw new UsageError(`an "oct" key signs HMAC tokens (HS256/384/512), not ${alg}`, 'sign');
      const bytes = new Uint8Array(Buffer.from(jwk.k, 'base64url'));
      checkSecret(bytes, alg, '--key');
      return { key: bytes, alg, kid };
    }
    if (jwk.d === undefined) {
      throw new UsageError(
        `${where} is a public key; signing needs the private key (keygen prints both)`,
        'sign',
      );
    }
    let key: KeyObject;
    try {
      key = createPrivateKey({ key: jwk as NodeJwk, format: 'jwk' });
    } catch {
      throw new UsageError(`${where} is not a usable private JWK`, 'sign');
    }
    const alg = flagAlg ?? jwkAlg ?? impliedAlg(key);
    if (alg === undefined) throw new UsageError(`cannot tell the algorithm for ${where}; pass --alg`, 'sign');
    return { key, alg: checkAlg(alg), kid };
  }
  if (/-----BEGIN (RSA |EC )?PUBLIC KEY-----|-----BEGIN CERTIFICATE-----/.test(text)) {
    throw new UsageError(`${where} is a public key or certificate; signing needs the private key`, 'sign');
  }
  let key: KeyObject;
  try {
    key = createPrivateKey(text);
  } catch {
    throw new UsageError(`${where} is not a private key in PEM (PKCS#8, PKCS#1, SEC1) or JWK form`, 'sign');
  }
  const implied = impliedAlg(key);
  if (flagAlg === undefined && implied === undefined) {
    throw new UsageError(`cannot tell the algorithm for ${where}; pass --alg`, 'sign');
  }
  return { key, alg: checkAlg(flagAlg ?? implied!), kid: undefined };
}

async function readClaims(value: string | undefined, io: Io): Promise<Record<string, unknown>> {
  if (value === undefined) return {};
  let text = value;
  let what = '--claims';
  if (value === '@-') {
    text = await readStdin(io, 'sign');
    what = '--claims from stdin';
  } else if (value.startsWith('@')) {
    text = await readText(value.slice(1), 'claims', 'sign');
    what = `--claims ${JSON.stringify(value.slice(1))}`;
  }
  const claims = parseJson(text, what, 'sign');
  if (!isObject(claims)) throw new UsageError(`${what} must be a JSON object`, 'sign');
  return claims;
}

/** Runs `tokengate sign`. */
export async function signCommand(argv: readonly string[], io: Io): Promise<number> {
  const { values } = parse(signSpec, argv);
  const sources = (['secret', 'secret-file', 'key'] as const).filter((f) => values[f] !== undefined);
  if (sources.length === 0)
    throw new UsageError('sign needs a key: --secret, --secret-file or --key', 'sign');
  if (sources.length > 1) {
    throw new UsageError(`give one key, not ${sources.map((s) => `--${s}`).join(' and ')}`, 'sign');
  }
  const flagAlg = str(values, 'alg');
  const signing =
    sources[0] === 'key'
      ? await fileKey(str(values, 'key')!, flagAlg)
      : sources[0] === 'secret'
        ? await secretKey(str(values, 'secret')!, flagAlg, '--secret')
        : await secretKey(
            secretFromFile(await readText(str(values, 'secret-file')!, 'secret-file', 'sign')),
            flagAlg,
            '--secret-file',
          );
  const claims = await readClaims(str(values, 'claims'), io);
  const now = Math.floor(Date.now() / 1000);
  const payload: Record<string, unknown> = { ...claims };
  if (payload.iat === undefined) payload.iat = now;
  const exp = str(values, 'exp');
  if (exp !== undefined) payload.exp = now + Math.round(duration(exp, 'exp'));
  else if (payload.exp === undefined) payload.exp = now + 15 * 60;
  const nbf = str(values, 'nbf');
  if (nbf !== undefined) payload.nbf = now + Math.round(duration(nbf, 'nbf'));
  for (const claim of ['iss', 'sub', 'jti'] as const) {
    const value = str(values, claim);
    if (value !== undefined) payload[claim] = value;
  }
  const audiences = list(values, 'aud');
  if (audiences.length > 0) payload.aud = audiences.length === 1 ? audiences[0] : audiences;
  const header: { alg: string; typ: string; kid?: string } = {
    alg: signing.alg,
    typ: str(values, 'typ') ?? 'JWT',
  };
  const kid = str(values, 'kid') ?? signing.kid;
  if (kid !== undefined) header.kid = kid;
  let token: string;
  try {
    token = await new SignJWT(payload).setProtectedHeader(header).sign(signing.key);
  } catch (error) {
    const why = error instanceof Error ? error.message : 'unsupported';
    throw new UsageError(`the key cannot sign ${signing.alg}: ${why}`, 'sign');
  }
  if (values.json) line(io.stdout, json({ ok: true, token, header, payload }));
  else line(io.stdout, token);
  return EXIT.ok;
}
