import {
  type AuthContext,
  createVerifier,
  isAuthError,
  type JwtClaims,
  type TokengateOptions,
} from '@tokengate/core';
import { toSeconds } from '@tokengate/core/adapter';
import { list, parse, str } from '../args.js';
import { EXIT, UsageError } from '../errors.js';
import { parseJson, readText, readToken } from '../input.js';
import { times } from '../inspect.js';
import { secretFromFile } from '../keys.js';
import { colourEnabled, type Io, json, line, palette } from '../output.js';
import { introspectSpec } from '../specs.js';

const COMMAND = 'introspect';

/** Core's start-up messages name options; the CLI user knows the flags. */
function flagWords(message: string): string {
  return message
    .replace(/^tokengate: /, '')
    .replace(/option "introspection\.endpoint"/g, '--endpoint')
    .replace(/option "introspection\.clientId"/g, '--client-id')
    .replace(/option "introspection\.authMethod"/g, '--auth-method')
    .replace(/option "introspection\.privateKey"/g, '--private-key')
    .replace(/option "introspection\.jwtResponse"/g, '--jwt-response')
    .replace(/option "issuer"/g, '--issuer')
    .replace(/option "resource"/g, '--resource');
}

async function introspectionOf(values: ReturnType<typeof parse>['values']): Promise<Record<string, unknown>> {
  const clientId = str(values, 'client-id');
  if (clientId === undefined) throw new UsageError('introspect needs --client-id', COMMAND);
  const secrets = ['client-secret', 'client-secret-file', 'private-key'].filter(
    (f) => values[f] !== undefined,
  );
  if (secrets.length !== 1) {
    throw new UsageError(
      'introspect needs one of --client-secret, --client-secret-file or --private-key',
      COMMAND,
    );
  }
  const introspection: Record<string, unknown> = { clientId, cacheMaxAge: 0 };
  if (values['client-secret'] !== undefined) introspection.clientSecret = str(values, 'client-secret');
  if (values['client-secret-file'] !== undefined)
    introspection.clientSecret = secretFromFile(
      await readText(str(values, 'client-secret-file')!, 'client-secret-file', COMMAND),
    );
  if (values['private-key'] !== undefined)
    introspection.privateKey = parseJson(
      await readText(str(values, 'private-key')!, 'private-key', COMMAND),
      'the private key',
      COMMAND,
    );
  const endpoint = str(values, 'endpoint');
  if (endpoint !== undefined) introspection.endpoint = endpoint;
  const method = str(values, 'auth-method');
  if (method !== undefined) introspection.authMethod = method;
  if (values['jwt-response']) introspection.jwtResponse = true;
  return introspection;
}

/** Runs `tokengate introspect`. */
export async function introspectCommand(argv: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parse(introspectSpec, argv);
  const issuer = str(values, 'issuer');
  if (issuer === undefined && values.endpoint === undefined) {
    throw new UsageError('introspect needs --issuer (discovery) or --endpoint', COMMAND);
  }
  const options: TokengateOptions = { cache: false, introspection: (await introspectionOf(values)) as never };
  if (issuer !== undefined) options.issuer = issuer;
  const audiences = list(values, 'audience');
  if (audiences.length > 0) options.audience = audiences;
  const resource = str(values, 'resource');
  if (resource !== undefined) options.resource = resource;
  const timeout = str(values, 'timeout');
  if (timeout !== undefined) {
    let seconds: number;
    try {
      seconds = toSeconds(/^\d+(\.\d+)?$/.test(timeout) ? Number(timeout) : timeout, 'timeout');
    } catch {
      throw new UsageError('--timeout must be a duration such as 2s or 500ms', COMMAND);
    }
    options.timeoutDuration = `${Math.max(1, Math.round(seconds * 1000))}ms`;
  }
  const token = await readToken(positionals[0], io, COMMAND);
  let verifier: ReturnType<typeof createVerifier>;
  try {
    verifier = createVerifier(options);
  } catch (error) {
    if (error instanceof TypeError) throw new UsageError(flagWords(error.message), COMMAND);
    throw error;
  }
  let auth: AuthContext<JwtClaims>;
  try {
    auth = (await verifier.verify(token)) as AuthContext<JwtClaims>;
  } catch (error) {
    if (!isAuthError(error)) throw error;
    // The operator runs this: a 503's detail (the endpoint and what failed) is what they need.
    const message = error.detail ?? error.message;
    if (values.json) {
      line(
        io.stdout,
        json({ ok: false, code: error.code, reason: error.reason, status: error.status, message }),
      );
      return EXIT.failed;
    }
    const c = palette(colourEnabled(io.stderr, io.env));
    line(
      io.stderr,
      `${c.red(c.bold('✘ rejected'))}: ${error.code}${error.reason ? ` (${error.reason})` : ''} — ${message}`,
    );
    return EXIT.failed;
  }
  const now = Date.now() / 1000;
  const payload = auth.payload;
  const expires = auth.expiresAt === undefined ? undefined : times({ exp: auth.expiresAt }, now).exp;
  if (values.json) {
    line(
      io.stdout,
      json({
        ok: true,
        tokenType: auth.tokenType,
        subject: auth.subject,
        clientId: payload.client_id,
        scopes: [...auth.scopes],
        audience: payload.aud,
        binding: auth.binding,
        expiresAt: auth.expiresAt,
        expires,
        payload,
      }),
    );
    return EXIT.ok;
  }
  const c = palette(colourEnabled(io.stdout, io.env));
  const how =
    auth.tokenType === 'opaque'
      ? 'active: the authorization server vouches for it'
      : 'a JWS: verified locally';
  line(io.stdout, `${c.green(c.bold('✔ accepted'))} ${c.dim(`(${how})`)}`);
  const rows: [string, string][] = [
    ['subject', auth.subject ?? '-'],
    ['client', typeof payload.client_id === 'string' ? payload.client_id : '-'],
    ['audience', payload.aud === undefined ? '-' : [payload.aud].flat().join(' ')],
    ['scopes', auth.scopes.size > 0 ? [...auth.scopes].join(' ') : '-'],
    ['binding', auth.binding === 'dpop' ? `DPoP (jkt ${auth.jkt})` : 'bearer'],
    ['expires', expires ? `${expires.date}  ${c.cyan(expires.relative)}` : 'never (no "exp")'],
  ];
  for (const [name, value] of rows) line(io.stdout, `  ${name.padEnd(9)} ${value}`);
  return EXIT.ok;
}
