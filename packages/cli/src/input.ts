import { readFile, stat } from 'node:fs/promises';
import { UsageError } from './errors.js';
import type { Io } from './output.js';

/** Largest input read from stdin or a file: 1 MiB. */
export const MAX_INPUT_BYTES = 1024 * 1024;

/** Reads all of stdin as UTF-8, refusing more than {@link MAX_INPUT_BYTES}. */
export async function readStdin(io: Io, command: string): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of io.stdin) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    size += buffer.length;
    if (size > MAX_INPUT_BYTES)
      throw new UsageError('stdin holds more than 1 MiB; a token is far smaller', command);
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * The token given as an argument, or read from stdin for `-`. Surrounding whitespace and a
 * leading `Bearer ` (as copied from an `Authorization` header) are removed.
 */
export async function readToken(arg: string | undefined, io: Io, command: string): Promise<string> {
  if (arg === undefined) {
    throw new UsageError(`${command} needs a token (or "-" to read it from stdin)`, command);
  }
  const raw = arg === '-' ? await readStdin(io, command) : arg;
  const token = raw.trim().replace(/^bearer\s+/i, '');
  if (token === '') {
    throw new UsageError(arg === '-' ? 'stdin was empty: no token to read' : 'the token is empty', command);
  }
  return token;
}

/** Reads a text file named by a flag, with a one-line error naming the flag and path. */
export async function readText(path: string, flag: string, command: string): Promise<string> {
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new UsageError(`--${flag} ${JSON.stringify(path)} is not a file`, command);
    if (info.size > MAX_INPUT_BYTES) {
      throw new UsageError(`--${flag} ${JSON.stringify(path)} is larger than 1 MiB`, command);
    }
    return await readFile(path, 'utf8');
  } catch (error) {
    if (error instanceof UsageError) throw error;
    const code = (error as { code?: string }).code;
    const why =
      code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (code ?? 'unreadable');
    throw new UsageError(`cannot read --${flag} ${JSON.stringify(path)}: ${why}`, command);
  }
}

/**
 * Parses JSON without echoing the input in the error (JSON.parse messages quote the text, which
 * may be a key).
 */
export function parseJson(text: string, what: string, command: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new UsageError(`${what} is not valid JSON`, command);
  }
}

/** Whether a value is a plain JSON object. */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
