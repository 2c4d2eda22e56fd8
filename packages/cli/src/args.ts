import { parseArgs } from 'node:util';
import { UsageError } from './errors.js';

/** One flag of a command, for parsing and for `--help`. */
export interface Flag {
  readonly type: 'string' | 'boolean';
  /** May be given several times. */
  readonly multiple?: boolean;
  readonly short?: string;
  /** Placeholder shown in help, e.g. `FILE`. */
  readonly value?: string;
  readonly help: string;
}

/** A command's interface: flags, positional arguments and help text. */
export interface CommandSpec {
  readonly name: string;
  readonly summary: string;
  readonly usage: readonly string[];
  readonly flags: Readonly<Record<string, Flag>>;
  /** Most positional arguments accepted. */
  readonly maxPositionals: number;
  readonly details?: readonly string[];
  readonly examples: readonly string[];
}

/** Flags every command has. */
export const COMMON_FLAGS: Readonly<Record<string, Flag>> = {
  json: { type: 'boolean', help: 'print one JSON object on stdout (for scripts)' },
  help: { type: 'boolean', short: 'h', help: 'show this help' },
};

/** Parsed values: strings, booleans, or lists of strings for repeatable flags. */
export type Values = Record<string, string | boolean | string[] | undefined>;

/** The parsed command line of one command. */
export interface Parsed {
  readonly values: Values;
  readonly positionals: readonly string[];
}

/**
 * Parses `argv` strictly against `spec`. Errors are {@link UsageError}s whose messages name the
 * flag but never repeat a value (a value may be a secret or a token).
 */
export function parse(spec: CommandSpec, argv: readonly string[]): Parsed {
  const flags = { ...spec.flags, ...COMMON_FLAGS };
  const options: Record<string, { type: 'string' | 'boolean'; multiple?: boolean; short?: string }> = {};
  for (const [name, flag] of Object.entries(flags)) {
    options[name] = { type: flag.type };
    if (flag.multiple) options[name].multiple = true;
    if (flag.short) options[name].short = flag.short;
  }
  let parsed: { values: Values; positionals: string[]; tokens: { kind: string; name?: string }[] };
  try {
    parsed = parseArgs({
      args: [...argv],
      options,
      allowPositionals: true,
      strict: true,
      tokens: true,
    }) as unknown as typeof parsed;
  } catch (error) {
    throw new UsageError(describeParseError(error, flags), spec.name);
  }
  if (parsed.values.help) return parsed;
  const seen = new Set<string>();
  for (const token of parsed.tokens) {
    if (token.kind !== 'option' || token.name === undefined) continue;
    const flag = flags[token.name];
    if (flag && !flag.multiple && seen.has(token.name)) {
      throw new UsageError(`option --${token.name} may be given only once`, spec.name);
    }
    seen.add(token.name);
  }
  for (const [name, flag] of Object.entries(spec.flags)) {
    const value = parsed.values[name];
    if (flag.type !== 'string' || value === undefined) continue;
    const values = Array.isArray(value) ? value : [value as string];
    if (values.some((v) => v === ''))
      throw new UsageError(`option --${name} needs a non-empty value`, spec.name);
  }
  if (parsed.positionals.length > spec.maxPositionals) {
    throw new UsageError(
      spec.maxPositionals === 0
        ? `${spec.name} takes no arguments besides options (got ${parsed.positionals.length})`
        : `${spec.name} takes at most ${spec.maxPositionals} argument${spec.maxPositionals > 1 ? 's' : ''} (got ${parsed.positionals.length}); quote values with spaces`,
      spec.name,
    );
  }
  return parsed;
}

function describeParseError(error: unknown, flags: Readonly<Record<string, Flag>>): string {
  const code = (error as { code?: string }).code;
  const message = error instanceof Error ? error.message : '';
  const named = /'(-{1,2}[^'\s=]*)/.exec(message)?.[1];
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const bare = named?.replace(/^-+/, '') ?? '';
    const hint = closest(bare.toLowerCase(), Object.keys(flags));
    return `unknown option ${named ?? ''}${hint ? ` (did you mean --${hint}?)` : ''}`.trim();
  }
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    if (named && /does not take an argument/.test(message)) return `option ${named} does not take a value`;
    return `option ${named ?? ''} needs a value (write --name=VALUE for a value that starts with "-")`;
  }
  return 'could not parse the command line';
}

/** A string flag's value, or undefined. */
export function str(values: Values, name: string): string | undefined {
  const value = values[name];
  return typeof value === 'string' ? value : undefined;
}

/** A repeatable string flag's values (empty when absent). */
export function list(values: Values, name: string): string[] {
  const value = values[name];
  return Array.isArray(value) ? value : typeof value === 'string' ? [value] : [];
}

/** The help text of a command. */
export function helpText(spec: CommandSpec): string {
  const flags = { ...spec.flags, ...COMMON_FLAGS };
  const rows = Object.entries(flags).map(([name, flag]) => {
    const left = `${flag.short ? `-${flag.short}, ` : ''}--${name}${flag.value ? ` ${flag.value}` : ''}${flag.multiple ? '...' : ''}`;
    return [left, flag.help] as const;
  });
  const width = Math.min(30, Math.max(...rows.map(([left]) => left.length)));
  const out = [
    `tokengate ${spec.name} — ${spec.summary}`,
    '',
    'Usage:',
    ...spec.usage.map((u) => `  ${u}`),
    '',
    ...(spec.details ? [...spec.details, ''] : []),
    'Options:',
    ...rows.map(([left, text]) =>
      left.length > width ? `  ${left}\n  ${' '.repeat(width)}  ${text}` : `  ${left.padEnd(width)}  ${text}`,
    ),
    '',
    'Examples:',
    ...spec.examples.map((e) => `  ${e}`),
  ];
  return out.join('\n');
}

/** Edit distance (Levenshtein) between two short strings. */
function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(
        previous[j]! + 1,
        current[j - 1]! + 1,
        previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    previous = current;
  }
  return previous[b.length]!;
}

/** The known flag a mistyped one most likely meant (at most 2 edits away), for "did you mean". */
function closest(name: string, known: readonly string[]): string | undefined {
  if (name === '' || name.length > 40) return undefined;
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of known) {
    const d = distance(name.replace(/_/g, '-'), candidate);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}
