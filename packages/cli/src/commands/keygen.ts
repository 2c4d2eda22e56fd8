import { randomBytes } from 'node:crypto';
import { ALGORITHMS, type Algorithm, isAlgorithm, isSymmetric } from '@tokengate/core';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose';
import { parse, str } from '../args.js';
import { EXIT, UsageError } from '../errors.js';
import { colourEnabled, type Io, json, line, palette } from '../output.js';
import { keygenSpec } from '../specs.js';

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
