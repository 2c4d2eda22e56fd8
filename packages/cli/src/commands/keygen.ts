import { randomBytes } from 'node:crypto';
import { ALGORITHMS, type Algorithm, isAlgorithm, isSymmetric } from '@tokengate/core';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose';
import { type CommandSpec, parse, str } from '../args.js';
import { EXIT, UsageError } from '../errors.js';
import { colourEnabled, type Io, json, line, palette } from '../output.js';

/** `tokengate keygen`. */
export const keygenSpec: CommandSpec = {
  name: 'keygen',
  summary: 'make a signing key: a private JWK and the public JWKS (or an HMAC secret)',
  usage: ['tokengate keygen [--alg ES256|RS256|EdDSA|HS256|…] [--kid K]'],
  flags: {
    alg: { type: 'string', value: 'ALG', help: `algorithm (default ES256): ${ALGORITHMS.join(', ')}` },
    kid: { type: 'string', value: 'K', help: 'key id (default: the RFC 7638 thumbprint of the key)' },
  },
  maxPositionals: 0,
  details: [
    'Asymmetric algorithms print the private JWK (keep it secret; `sign --key` uses it) and the',
    'public JWKS (publish it; `verify --jwks` uses it). RSA keys are 2048 bits.',
    'HMAC algorithms print a random secret (32/48/64 random bytes as base64url text, used as',
    'the secret as it is, like `secret: process.env.JWT_SECRET`) and the same key as an "oct" JWK.',
  ],
  examples: [
    'tokengate keygen --alg ES256 --kid 2026-01',
    'tokengate keygen --alg EdDSA --json > key.json && jq .privateJwk key.json > private.jwk.json',
    'tokengate keygen --alg HS256 --json | jq -r .secret > secret.txt',
  ],
};

const RANDOM_BYTES: Partial<Record<Algorithm, number>> = { HS256: 32, HS384: 48, HS512: 64 };

/** Runs `tokengate keygen`. */
export async function keygenCommand(argv: readonly string[], io: Io): Promise<number> {
  const { values } = parse(keygenSpec, argv);
  const alg = str(values, 'alg') ?? 'ES256';
  if (!isAlgorithm(alg)) throw new UsageError(`--alg must be one of ${ALGORITHMS.join(', ')}`, 'keygen');
  const kidFlag = str(values, 'kid');
  const c = palette(colourEnabled(io.stdout, io.env));
  if (isSymmetric(alg)) {
    const secret = randomBytes(RANDOM_BYTES[alg]!).toString('base64url');
    const jwk: JWK = { kty: 'oct', k: Buffer.from(secret, 'utf8').toString('base64url') };
    const kid = kidFlag ?? (await calculateJwkThumbprint(jwk));
    const privateJwk = { ...jwk, kid, alg, use: 'sig' };
    if (values.json) {
      line(io.stdout, json({ alg, kid, secret, privateJwk }));
      return EXIT.ok;
    }
    line(io.stdout, c.bold(`Secret for ${alg} (keep it secret; sign/verify with --secret-file):`));
    line(io.stdout, secret);
    line(io.stdout);
    line(io.stdout, c.bold('The same key as an "oct" JWK (sign --key):'));
    line(io.stdout, json(privateJwk));
    return EXIT.ok;
  }
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const publicJwk = await exportJWK(publicKey);
  const kid = kidFlag ?? (await calculateJwkThumbprint(publicJwk));
  const privateJwk = { ...(await exportJWK(privateKey)), kid, alg, use: 'sig' };
  const jwks = { keys: [{ ...publicJwk, kid, alg, use: 'sig' }] };
  if (values.json) {
    line(io.stdout, json({ alg, kid, privateJwk, jwks }));
    return EXIT.ok;
  }
  line(io.stdout, c.bold('Private JWK (keep it secret; tokengate sign --key FILE):'));
  line(io.stdout, json(privateJwk));
  line(io.stdout);
  line(io.stdout, c.bold('Public JWKS (publish it; tokengate verify --jwks FILE):'));
  line(io.stdout, json(jwks));
  return EXIT.ok;
}
