import {
  type AuthContext,
  createVerifier,
  isAuthError,
  type JwtClaims,
  type JwtHeader,
  type TokengateOptions,
  toSeconds,
} from '@tokengate/core';
import { list, parse, str } from '../args.js';
import { EXIT, UsageError } from '../errors.js';
import { explain } from '../explain.js';
import { readText, readToken } from '../input.js';
import { decodeForDisplay, times } from '../inspect.js';
import { readJwks, readPublicKey, secretFromBase64, secretFromFile } from '../keys.js';
import { colourEnabled, type Io, json, line, palette } from '../output.js';
import { verifySpec } from '../specs.js';
import { parseInstant } from '../time.js';

const KEY_FLAGS = ['secret', 'secret-file', 'secret-base64', 'public-key', 'jwks', 'jwks-uri'] as const;

/** Core's start-up messages name options; the CLI user knows the flags. */
function flagWords(message: string): string {
  return message
    .replace(/^tokengate: /, '')
    .replace(/option "secret"/g, '--secret')
    .replace(/option "publicKey"/g, '--public-key')
    .replace(/option "jwks"/g, '--jwks')
    .replace(/option "jwksUri"/g, '--jwks-uri')
    .replace(/option "issuer"/g, '--issuer')
    .replace(/option "algorithms"/g, '--alg')
    .replace(/option "typ"/g, '--typ')
    .replace(/option "clockTolerance"/g, '--clock-tolerance')
    .replace(/option "maxTokenAge"/g, '--max-token-age')
    .replace(/option "maxTokenLifetime"/g, '--max-token-lifetime');
}

function duration(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  try {
    return toSeconds(/^\d+(\.\d+)?$/.test(value) ? Number(value) : value, flag);
  } catch {
    throw new UsageError(
      `--${flag} must be a duration such as 30s, 15m, 2h or a number of seconds`,
      'verify',
    );
  }
}

/**
 * Runs `run` with the clock set to `seconds` (since the epoch), for `--at`. Core reads the time
 * from `Date.now()` when it checks `exp`, `nbf` and `iat`, and the CLI is a one-shot process, so
 * the clock is moved for the duration of the one verification (remote key caching keeps the
 * real clock, captured when the verifier was created) and restored afterwards.
 */
async function asOf<T>(seconds: number, run: () => Promise<T>): Promise<T> {
  const realNow = Date.now;
  Date.now = () => Math.round(seconds * 1000);
  try {
    return await run();
  } finally {
    Date.now = realNow;
  }
}

/** Runs `tokengate verify`. */
export async function verifyCommand(argv: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parse(verifySpec, argv);
  const given = KEY_FLAGS.filter((flag) => values[flag] !== undefined);
  const issuers = list(values, 'issuer');
  if (given.length > 1) {
    throw new UsageError(`give one key source, not ${given.map((g) => `--${g}`).join(' and ')}`, 'verify');
  }
  if (given.length === 0 && issuers.length === 0) {
    throw new UsageError(
      'verify needs a key: --secret, --secret-file, --secret-base64, --public-key, --jwks, --jwks-uri, or --issuer (OIDC discovery)',
      'verify',
    );
  }
  if (given.length === 0 && issuers.length > 1) {
    throw new UsageError(
      'OIDC discovery needs exactly one --issuer (or give a key source as well)',
      'verify',
    );
  }
  const options: TokengateOptions = { cache: false };
  let keyDescription = 'the key';
  let jwksKids: string[] | undefined;
  const source = given[0];
  if (source === 'secret') {
    options.secret = str(values, 'secret')!;
    keyDescription = 'the secret';
  } else if (source === 'secret-file') {
    options.secret = secretFromFile(await readText(str(values, 'secret-file')!, 'secret-file', 'verify'));
    keyDescription = 'the secret';
  } else if (source === 'secret-base64') {
    options.secret = secretFromBase64(str(values, 'secret-base64')!, 'verify');
    keyDescription = 'the secret';
  } else if (source === 'public-key') {
    options.publicKey = await readPublicKey(str(values, 'public-key')!, 'verify');
    keyDescription = 'the public key';
  } else if (source === 'jwks') {
    options.jwks = await readJwks(str(values, 'jwks')!, 'verify');
    jwksKids = options.jwks.keys.flatMap((k) => {
      const kid = (k as { kid?: unknown }).kid;
      return typeof kid === 'string' ? [kid] : [];
    });
    keyDescription = 'the JWKS';
  } else if (source === 'jwks-uri') {
    options.jwksUri = str(values, 'jwks-uri')!;
    keyDescription = `the JWKS at ${options.jwksUri}`;
  } else {
    keyDescription = `the keys of ${issuers[0]}`;
  }
  if (issuers.length > 0) options.issuer = issuers.length === 1 ? issuers[0]! : issuers;
  const audiences = list(values, 'audience');
  if (audiences.length > 0) options.audience = audiences;
  const algorithms = list(values, 'alg');
  if (algorithms.length > 0) options.algorithms = algorithms as TokengateOptions['algorithms'];
  const typ = list(values, 'typ');
  if (typ.length > 0) options.typ = typ;
  const tolerance = duration(str(values, 'clock-tolerance'), 'clock-tolerance');
  if (tolerance !== undefined) options.clockTolerance = tolerance;
  const maxAge = duration(str(values, 'max-token-age'), 'max-token-age');
  if (maxAge !== undefined) options.maxTokenAge = maxAge;
  const maxLifetime = duration(str(values, 'max-token-lifetime'), 'max-token-lifetime');
  if (maxLifetime !== undefined) options.maxTokenLifetime = maxLifetime;
  const required = list(values, 'require');
  if (required.length > 0) options.requiredClaims = required;
  const scopeClaim = list(values, 'scope-claim');
  if (scopeClaim.length > 0) options.scopeClaim = scopeClaim;
  const rolesClaim = list(values, 'roles-claim');
  if (rolesClaim.length > 0) options.rolesClaim = rolesClaim;
  const timeout = duration(str(values, 'timeout'), 'timeout');
  if (timeout !== undefined) options.timeoutDuration = `${Math.max(1, Math.round(timeout * 1000))}ms`;

  const atFlag = str(values, 'at');
  const at =
    atFlag === undefined ? undefined : parseInstant(atFlag, Date.now() / 1000, (v) => toSeconds(v, 'at'));
  if (atFlag !== undefined && at === undefined) {
    throw new UsageError(
      '--at must be a date (2011-03-22T18:43:00Z), seconds since the epoch, or a signed duration from now (-2h)',
      'verify',
    );
  }
  const token = await readToken(positionals[0], io, 'verify');
  let verifier: ReturnType<typeof createVerifier>;
  try {
    verifier = createVerifier(options);
  } catch (error) {
    if (error instanceof TypeError) throw new UsageError(flagWords(error.message), 'verify');
    throw error;
  }
  const now = at ?? Date.now() / 1000;
  let auth: AuthContext<JwtClaims>;
  try {
    auth = (await (at === undefined
      ? verifier.verify(token)
      : asOf(at, () => verifier.verify(token)))) as AuthContext<JwtClaims>;
  } catch (error) {
    if (error instanceof TypeError) throw new UsageError(flagWords(error.message), 'verify');
    if (!isAuthError(error)) throw error;
    let header: JwtHeader | undefined;
    let payload: JwtClaims | undefined;
    try {
      ({ header, payload } = decodeForDisplay(token));
    } catch {
      // explained from the error alone
    }
    const explanation = explain(error, {
      header,
      payload,
      now,
      tolerance: tolerance ?? 5,
      keyDescription,
      symmetric: source === 'secret' || source === 'secret-file' || source === 'secret-base64',
      algorithms,
      issuers,
      audiences,
      typ,
      jwksKids,
    });
    if (values.json) {
      line(
        io.stdout,
        json({
          ok: false,
          code: error.code,
          reason: error.reason,
          status: error.status,
          message: error.message,
          explanation,
        }),
      );
      return EXIT.failed;
    }
    const c = palette(colourEnabled(io.stderr, io.env));
    line(
      io.stderr,
      `${c.red(c.bold('✘ rejected'))}: ${error.code}${error.reason ? ` (${error.reason})` : ''} — ${error.message}`,
    );
    line(io.stderr, `  ${explanation}`);
    return EXIT.failed;
  }
  const claims = auth.claims as JwtClaims;
  const expires = auth.expiresAt === undefined ? undefined : times({ exp: auth.expiresAt }, now).exp;
  if (values.json) {
    line(
      io.stdout,
      json({
        ok: true,
        header: auth.header,
        claims,
        subject: auth.subject,
        issuer: auth.issuer,
        audience: claims.aud,
        scopes: [...auth.scopes],
        roles: [...auth.roles],
        expiresAt: auth.expiresAt,
        expires,
      }),
    );
    return EXIT.ok;
  }
  const c = palette(colourEnabled(io.stdout, io.env));
  const kid = auth.header.kid === undefined ? '' : `, kid ${JSON.stringify(auth.header.kid)}`;
  line(io.stdout, `${c.green(c.bold('✔ verified'))} ${c.dim(`(${auth.header.alg}${kid})`)}`);
  const rows: [string, string][] = [
    ['subject', auth.subject ?? '-'],
    ['issuer', auth.issuer ?? '-'],
    ['audience', claims.aud === undefined ? '-' : [claims.aud].flat().join(' ')],
    ['scopes', auth.scopes.size > 0 ? [...auth.scopes].join(' ') : '-'],
    ['roles', auth.roles.size > 0 ? [...auth.roles].join(' ') : '-'],
    ['expires', expires ? `${expires.date}  ${c.cyan(expires.relative)}` : 'never (no "exp")'],
  ];
  for (const [name, value] of rows) line(io.stdout, `  ${name.padEnd(9)} ${value}`);
  return EXIT.ok;
}
