import { decodeJwt, decodeJwtSegment, isAuthError, type JwtClaims, type JwtHeader } from '@tokengate/core';
import { type CommandSpec, parse } from '../args.js';
import { EXIT } from '../errors.js';
import { readToken } from '../input.js';
import { times, warnings } from '../inspect.js';
import { colourEnabled, type Io, json, line, palette } from '../output.js';

/** `tokengate decode`. */
export const decodeSpec: CommandSpec = {
  name: 'decode',
  summary: 'show a token’s header, payload and times, with warnings (does NOT verify it)',
  usage: ['tokengate decode <token>', 'tokengate decode -            (reads the token from stdin)'],
  flags: {},
  maxPositionals: 1,
  details: [
    'Nothing leaves this machine. A leading "Bearer " is ignored. Times are shown as dates and',
    'relative to now. Warnings: alg "none", no "exp", a lifetime over 24 h, an HMAC algorithm',
    'from an https issuer, keys embedded in the header, expired or not-yet-valid tokens.',
    'Exit codes: 0 decoded, 1 not a decodable JWS, 2 usage error.',
  ],
  examples: [
    'tokengate decode eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2ln',
    'pbpaste | tokengate decode -',
    'tokengate decode "$TOKEN" --json | jq .payload.sub',
  ],
};

interface Decoded {
  header: JwtHeader;
  payload: JwtClaims;
  unsecured: boolean;
}

/** Decodes with core; an `alg: "none"` token is decoded for display only, segment by segment. */
function decode(token: string): Decoded {
  try {
    const { header, payload } = decodeJwt(token);
    return { header, payload, unsecured: false };
  } catch (error) {
    if (!isAuthError(error) || error.reason !== 'alg_not_allowed') throw error;
    const segments = token.split('.');
    const header = decodeJwtSegment(segments[0] ?? '', 'header') as JwtHeader;
    const payload = decodeJwtSegment(segments[1] ?? '', 'payload') as JwtClaims;
    return { header, payload, unsecured: true };
  }
}

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
