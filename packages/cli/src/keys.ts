import type { JsonWebKeySet } from '@tokengate/core';
import { UsageError } from './errors.js';
import { isObject, parseJson, readText } from './input.js';

/** Strips the line break(s) an editor or `echo` leaves at the end of a secret file. */
export function secretFromFile(text: string): string {
  return text.replace(/[\r\n]+$/, '');
}

/**
 * Decodes `--secret-base64`: the secret's bytes in base64 or base64url, padded or not (as
 * jwt.io's "secret base64 encoded" box, or a JWK's `k`). The value is never echoed.
 */
export function secretFromBase64(text: string, command: string): Uint8Array {
  const value = text.trim();
  const standard = /[+/]/.test(value);
  const url = /[_-]/.test(value);
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(value) || (standard && url)) {
    throw new UsageError('--secret-base64 is not base64 or base64url text', command);
  }
  const bytes = Buffer.from(value.replace(/=+$/, ''), standard ? 'base64' : 'base64url');
  if (bytes.length === 0) throw new UsageError('--secret-base64 decodes to nothing', command);
  return new Uint8Array(bytes);
}

/** Reads `--public-key FILE`: PEM text (SPKI or certificate) or one JWK. */
export async function readPublicKey(path: string, command: string): Promise<string | JsonWebKey> {
  const text = await readText(path, 'public-key', command);
  if (!text.trimStart().startsWith('{')) return text;
  const jwk = parseJson(text, `--public-key ${JSON.stringify(path)}`, command);
  if (isObject(jwk) && Array.isArray(jwk.keys)) {
    throw new UsageError(`--public-key ${JSON.stringify(path)} holds a key set; use --jwks for it`, command);
  }
  if (!isObject(jwk) || typeof jwk.kty !== 'string') {
    throw new UsageError(`--public-key ${JSON.stringify(path)} is neither PEM nor a JWK (no "kty")`, command);
  }
  if (jwk.d !== undefined) {
    throw new UsageError(
      `--public-key ${JSON.stringify(path)} is a private key; verify with the public one (keygen prints both)`,
      command,
    );
  }
  return jwk as JsonWebKey;
}

/** Reads `--jwks FILE`: a JSON Web Key Set. */
export async function readJwks(path: string, command: string): Promise<JsonWebKeySet> {
  const text = await readText(path, 'jwks', command);
  const set = parseJson(text, `--jwks ${JSON.stringify(path)}`, command);
  if (isObject(set) && typeof set.kty === 'string') {
    throw new UsageError(
      `--jwks ${JSON.stringify(path)} holds a single JWK; use --public-key for it`,
      command,
    );
  }
  if (!isObject(set) || !Array.isArray(set.keys)) {
    throw new UsageError(
      `--jwks ${JSON.stringify(path)} is not a JSON Web Key Set ({ "keys": [...] })`,
      command,
    );
  }
  if (set.keys.some((k) => isObject(k) && k.d !== undefined)) {
    throw new UsageError(
      `--jwks ${JSON.stringify(path)} contains a private key; publish and verify with the public JWKS only`,
      command,
    );
  }
  return set as unknown as JsonWebKeySet;
}
