import { readFileSync } from 'node:fs';
import { type CommandSpec, helpText } from './args.js';
import { EXIT, UsageError } from './errors.js';
import { colourEnabled, type Io, json, line, palette } from './output.js';
import { decodeSpec, dpopSpec, introspectSpec, keygenSpec, signSpec, verifySpec } from './specs.js';

type Run = (argv: readonly string[], io: Io) => Promise<number>;

interface Command {
  readonly spec: CommandSpec;
  /** Loaded on use, so `--help` and each command load only what they need (start-up time). */
  readonly load: () => Promise<Run>;
}

const COMMANDS: Readonly<Record<string, Command>> = {
  decode: { spec: decodeSpec, load: async () => (await import('./commands/decode.js')).decodeCommand },
  verify: { spec: verifySpec, load: async () => (await import('./commands/verify.js')).verifyCommand },
  sign: { spec: signSpec, load: async () => (await import('./commands/sign.js')).signCommand },
  keygen: { spec: keygenSpec, load: async () => (await import('./commands/keygen.js')).keygenCommand },
  dpop: { spec: dpopSpec, load: async () => (await import('./commands/dpop.js')).dpopCommand },
  introspect: {
    spec: introspectSpec,
    load: async () => (await import('./commands/introspect.js')).introspectCommand,
  },
};

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

/** The error for an unknown command; echoes only what looks like a mistyped name, never a token. */
function unknownCommand(name: string): string {
  const plain = /^[a-z][a-z-]{0,19}$/i.test(name);
  const hint = name.split('.').length >= 3 ? ' (to inspect a token: tokengate decode <token>)' : '';
  return `unknown command${plain ? ` ${JSON.stringify(name)}` : ''}; commands: ${Object.keys(COMMANDS).join(', ')}${hint}`;
}

/** The global help text. */
export function globalHelp(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((n) => n.length));
  return [
    'tokengate — decode, verify, sign and make JWTs on this machine; introspect asks the authorization server',
    '',
    'Usage:',
    '  tokengate <command> [options]',
    '  tokengate <command> --help',
    '',
    'Commands:',
    ...Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.spec.summary}`),
    '',
    'Every command takes --json (one JSON object on stdout) and --help.',
    'Exit codes: 0 success, 1 token rejected or undecodable, 2 usage error.',
    'Colour only on a terminal; NO_COLOR turns it off.',
    '',
    'Examples:',
    '  tokengate keygen --alg ES256 --json > key.json',
    '  tokengate decode "$TOKEN"',
    '  tokengate verify "$TOKEN" --jwks jwks.json --issuer https://idp.example.com/',
  ].join('\n');
}

/**
 * Runs the CLI with `argv` (without `node` and the script) and returns the exit code. Bad input
 * is one line on stderr (and a JSON object on stdout with `--json`), never a stack trace.
 */
export async function main(argv: readonly string[], io: Io): Promise<number> {
  const [first, ...rest] = argv;
  const wantsJson = argv.includes('--json');
  const fail = (message: string, command: string | undefined, code: number): number => {
    if (wantsJson)
      line(io.stdout, json({ ok: false, error: code === EXIT.usage ? 'usage' : 'internal', message }));
    const c = palette(colourEnabled(io.stderr, io.env));
    const hint = code === EXIT.usage ? c.dim(` (see tokengate ${command ? `${command} ` : ''}--help)`) : '';
    line(io.stderr, `${c.red(`tokengate${command ? ` ${command}` : ''}:`)} ${message}${hint}`);
    return code;
  };
  if (first === undefined || first === '--help' || first === '-h') {
    line(first === undefined ? io.stderr : io.stdout, globalHelp());
    return first === undefined ? EXIT.usage : EXIT.ok;
  }
  if (first === '--version' || first === '-v') {
    line(io.stdout, version());
    return EXIT.ok;
  }
  if (first === 'help') {
    const topic = rest[0];
    if (topic === undefined) {
      line(io.stdout, globalHelp());
      return EXIT.ok;
    }
    const command = Object.hasOwn(COMMANDS, topic) ? COMMANDS[topic] : undefined;
    if (!command) return fail(unknownCommand(topic), undefined, EXIT.usage);
    line(io.stdout, helpText(command.spec));
    return EXIT.ok;
  }
  const command = Object.hasOwn(COMMANDS, first) ? COMMANDS[first] : undefined;
  if (!command) {
    return fail(unknownCommand(first), undefined, EXIT.usage);
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    line(io.stdout, helpText(command.spec));
    return EXIT.ok;
  }
  try {
    const run = await command.load();
    return await run(rest, io);
  } catch (error) {
    if (error instanceof UsageError) return fail(error.message, error.command ?? first, EXIT.usage);
    if (io.env.TOKENGATE_DEBUG) line(io.stderr, String((error as Error)?.stack ?? error));
    const message = error instanceof Error ? error.message : String(error);
    return fail(`unexpected error: ${message}`, first, EXIT.failed);
  }
}
