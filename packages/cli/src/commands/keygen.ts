import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ALGORITHMS, type Algorithm } from '@tokengate/core';
import { isAlgorithm, isSymmetric } from '@tokengate/core/adapter';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose';
import { parse, str } from '../args.js';
import { EXIT, UsageError } from '../errors.js';
import { colourEnabled, type Io, json, line, palette } from '../output.js';
import { keygenSpec } from '../specs.js';

const RANDOM_BYTES: Partial<Record<Algorithm, number>> = { HS256: 32, HS384: 48, HS512: 64 };

interface OutFile {
  readonly name: string;
  readonly content: string;
  readonly secret: boolean;
}

/** Writes the key files into `dir` (created if needed), never replacing an existing file. */
async function writeFiles(dir: string, files: readonly OutFile[]): Promise<string[]> {
  try {
    await mkdir(dir, { recursive: true });
  } catch {
    throw new UsageError(`cannot create --out directory ${JSON.stringify(dir)}`, 'keygen');
  }
  for (const file of files) {
    const path = join(dir, file.name);
    if (existsSync(path)) {
      throw new UsageError(`${JSON.stringify(path)} already exists; keygen never overwrites a key`, 'keygen');
    }
  }
  const written: string[] = [];
  for (const file of files) {
    const path = join(dir, file.name);
    try {
      await writeFile(path, `${file.content}\n`, { flag: 'wx', mode: file.secret ? 0o600 : 0o644 });
    } catch (error) {
      const code = (error as { code?: string }).code;
      throw new UsageError(
        code === 'EEXIST'
          ? `${JSON.stringify(path)} already exists; keygen never overwrites a key`
          : `cannot write ${JSON.stringify(path)} (${code ?? 'error'})`,
        'keygen',
      );
    }
    written.push(path);
  }
  return written;
}

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
    const out = str(values, 'out');
    if (out !== undefined) {
      const files = await writeFiles(out, [
        { name: 'secret.txt', content: secret, secret: true },
        { name: 'secret.jwk.json', content: json(privateJwk), secret: true },
      ]);
      return report(io, values.json === true, { alg, kid, files }, [
        `Wrote ${files[0]} (the secret: verify/sign --secret-file) and ${files[1]} (sign --key).`,
      ]);
    }
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
  const out = str(values, 'out');
  if (out !== undefined) {
    const files = await writeFiles(out, [
      { name: 'private.jwk.json', content: json(privateJwk), secret: true },
      { name: 'jwks.json', content: json(jwks), secret: false },
    ]);
    return report(io, values.json === true, { alg, kid, files }, [
      `Wrote ${files[0]} (keep it secret: sign --key) and ${files[1]} (publish it: verify --jwks).`,
    ]);
  }
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

function report(
  io: Io,
  asJson: boolean,
  result: { alg: string; kid: string; files: string[] },
  text: string[],
): number {
  if (asJson) line(io.stdout, json(result));
  else for (const t of text) line(io.stdout, t);
  return EXIT.ok;
}
