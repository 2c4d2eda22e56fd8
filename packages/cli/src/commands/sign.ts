import { createPrivateKey, type KeyObject, type JsonWebKey as NodeJwk } from 'node:crypto';
import { ALGORITHMS, type Algorithm, createVerifier, isAuthError } from '@tokengate/core';
import { isAlgorithm, isSymmetric, toSeconds } from '@tokengate/core/adapter';
import { SignJWT } from 'jose';
import { list, parse, str } from '../args.js';
import { EXIT, UsageError } from '../errors.js';
import { isObject, parseJson, readStdin, readText, readToken } from '../input.js';
import { type Decoded, decodeForDisplay } from '../inspect.js';
import { secretFromBase64, secretFromFile } from '../keys.js';
import { type Io, json, line } from '../output.js';
import { signSpec } from '../specs.js';
import { signedSeconds } from '../time.js';

const utf8 = new TextEncoder();

/** A duration flag from now, in seconds; negative (`-1h`) for a moment in the past. */
function duration(value: string, flag: string): number {
  try {
    return signedSeconds(value, (v) => toSeconds(v, flag));
  } catch {
    throw new UsageError(
      `--${flag} must be a duration such as 30s, 15m, 2h, -1h or a number of seconds`,
      'sign',
    );
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

async function secretKey(
  secret: string | Uint8Array,
  flagAlg: string | undefined,
  flag: string,
): Promise<SigningKey> {
  const alg = checkAlg(flagAlg ?? 'HS256');
  if (!isSymmetric(alg))
    throw new UsageError(`${flag} signs HMAC tokens (HS256/384/512), not ${alg}`, 'sign');
  checkSecret(secret, alg, flag);
  return { key: typeof secret === 'string' ? utf8.encode(secret) : secret, alg, kid: undefined };
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

/**
 * `--from TOKEN` (or `-` for stdin): the token to re-sign, decoded without verification (its
 * signature is replaced). An `alg: "none"` token is accepted here: it is being signed properly.
 */
async function readFrom(value: string | undefined, io: Io): Promise<Decoded | undefined> {
  if (value === undefined) return undefined;
  const token = await readToken(value, io, 'sign');
  try {
    return decodeForDisplay(token);
  } catch (error) {
    if (!isAuthError(error)) throw error;
    throw new UsageError(`--from is not a decodable JWT: ${error.message}`, 'sign');
  }
}

/**
 * `--set name=value`: the value is JSON when it parses as JSON (`true`, `42`, `["a","b"]`,
 * `{"k":1}`, `"quoted"`), else the text itself (`sub=alice`).
 */
function setting(assignment: string): [string, unknown] {
  const at = assignment.indexOf('=');
  if (at <= 0) throw new UsageError('--set takes name=value (e.g. --set scope="orders:read")', 'sign');
  const name = assignment.slice(0, at);
  const text = assignment.slice(at + 1);
  try {
    return [name, JSON.parse(text)];
  } catch {
    return [name, text];
  }
}

/** Runs `tokengate sign`. */
export async function signCommand(argv: readonly string[], io: Io): Promise<number> {
  const { values } = parse(signSpec, argv);
  const sources = (['secret', 'secret-file', 'secret-base64', 'key'] as const).filter(
    (f) => values[f] !== undefined,
  );
  if (sources.length === 0)
    throw new UsageError('sign needs a key: --secret, --secret-file, --secret-base64 or --key', 'sign');
  if (sources.length > 1) {
    throw new UsageError(`give one key, not ${sources.map((s) => `--${s}`).join(' and ')}`, 'sign');
  }
  const flagAlg = str(values, 'alg');
  const signing =
    sources[0] === 'key'
      ? await fileKey(str(values, 'key')!, flagAlg)
      : sources[0] === 'secret'
        ? await secretKey(str(values, 'secret')!, flagAlg, '--secret')
        : sources[0] === 'secret-base64'
          ? await secretKey(
              secretFromBase64(str(values, 'secret-base64')!, 'sign'),
              flagAlg,
              '--secret-base64',
            )
          : await secretKey(
              secretFromFile(await readText(str(values, 'secret-file')!, 'secret-file', 'sign')),
              flagAlg,
              '--secret-file',
            );
  const from = await readFrom(str(values, 'from'), io);
  const claims = await readClaims(str(values, 'claims'), io);
  const now = Math.floor(Date.now() / 1000);
  const payload: Record<string, unknown> = { ...from?.payload, ...claims };
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
  for (const assignment of list(values, 'set')) {
    const [name, value] = setting(assignment);
    payload[name] = value;
  }
  for (const name of list(values, 'unset')) delete payload[name];
  const fromTyp = typeof from?.header.typ === 'string' ? from.header.typ : undefined;
  const header: { alg: string; typ: string; kid?: string } = {
    alg: signing.alg,
    typ: str(values, 'typ') ?? fromTyp ?? 'JWT',
  };
  const fromKid = typeof from?.header.kid === 'string' ? from.header.kid : undefined;
  const kid = str(values, 'kid') ?? signing.kid ?? fromKid;
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
