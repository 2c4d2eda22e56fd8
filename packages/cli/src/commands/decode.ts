import { isAuthError } from '@tokengate/core';
import { parse } from '../args.js';
import { EXIT } from '../errors.js';
import { readToken } from '../input.js';
import { type Decoded, decodeForDisplay as decode, times, warnings } from '../inspect.js';
import { colourEnabled, type Io, json, line, palette } from '../output.js';
import { decodeSpec } from '../specs.js';

/** Runs `tokengate decode`. */
export async function decodeCommand(argv: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parse(decodeSpec, argv);
  const token = await readToken(positionals[0], io, 'decode');
  const now = Date.now() / 1000;
  let decoded: Decoded;
  try {
    decoded = decode(token);
  } catch (error) {
    if (!isAuthError(error)) throw error;
    if (values.json) {
      line(io.stdout, json({ ok: false, code: error.code, reason: error.reason, message: error.message }));
    }
    const c = palette(colourEnabled(io.stderr, io.env));
    line(io.stderr, `${c.red('tokengate decode:')} not a JWT: ${error.message}`);
    return EXIT.failed;
  }
  const { header, payload } = decoded;
  const found = warnings(header, payload, now);
  const timeInfo = times(payload, now);
  if (values.json) {
    line(io.stdout, json({ ok: true, verified: false, header, payload, times: timeInfo, warnings: found }));
    return EXIT.ok;
  }
  const c = palette(colourEnabled(io.stdout, io.env));
  line(io.stdout, c.dim('Decoded only: the signature is NOT verified (use `tokengate verify`).'));
  line(io.stdout);
  line(io.stdout, c.bold('Header'));
  line(io.stdout, json(header));
  line(io.stdout);
  line(io.stdout, c.bold('Payload'));
  line(io.stdout, json(payload));
  const entries = Object.entries(timeInfo);
  if (entries.length > 0) {
    line(io.stdout);
    line(io.stdout, c.bold('Times'));
    for (const [claim, info] of entries) {
      line(io.stdout, `  ${claim}  ${info.date ?? String(info.value)}  ${c.cyan(info.relative)}`);
    }
  }
  if (found.length > 0) {
    line(io.stdout);
    line(io.stdout, c.bold(c.yellow('Warnings')));
    for (const warning of found) {
      const text = `  ! ${warning.message}`;
      line(io.stdout, warning.code === 'alg_none' ? c.bold(c.red(text)) : c.yellow(text));
    }
  }
  return EXIT.ok;
}
