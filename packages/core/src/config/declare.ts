/**
 * How options are declared: one table per options object, one entry per option (its validation
 * and its default), typed against the options interface so that an option declared in the
 * interface but missing from the table, or in the table but not in the interface, does not
 * compile. The names the typo guard knows, the validators and the defaults all come from it.
 */
import { nearestName } from './nearest.js';

/** How one option is validated, and what it resolves to when it is not given. */
export interface OptionSpec<R> {
  /**
   * Validates a value that was given (not `undefined`) and returns it resolved. Throws a
   * `TypeError` whose message starts `tokengate: ${label}`.
   */
  readonly validate: (value: unknown, label: string) => R;
  /** The resolved value when the option is not given (absent: `undefined`). */
  readonly default?: R;
}

/** The declaration table of the options object `O`: exactly one entry per option of `O`. */
export type OptionTable<O> = { readonly [K in keyof O]-?: OptionSpec<unknown> };

/** The resolved options of a table: each validator's result, `undefined` where there is no default. */
export type ResolvedOptions<T> = {
  readonly [K in keyof T]: T[K] extends OptionSpec<infer R>
    ? T[K] extends { readonly default: unknown }
      ? R
      : R | undefined
    : never;
};

/** An option without a default. */
export function option<R>(validate: (value: unknown, label: string) => R): OptionSpec<R> {
  return { validate };
}

/** An option with a default. */
export function optionWithDefault<R>(
  validate: (value: unknown, label: string) => R,
  fallback: R,
): OptionSpec<R> & { readonly default: R } {
  return { validate, default: fallback };
}

/** Where an options object sits, for messages. */
export interface OptionScope {
  /** Put before each name in messages: `'dpop.'` gives `option "dpop.maxAge"`. */
  readonly prefix?: string;
  /** Put after each option's label: `' (issuers[0])'`. */
  readonly where?: string;
  /**
   * Names the object in the unknown-name message (`unknown option "x" in cache`); without it the
   * message names the option with its prefix (`unknown option "dpop.x"`).
   */
  readonly in?: string;
  /** Names valid one level up: an unknown name found there is said to be one of them. */
  readonly outer?: readonly string[];
}

/**
 * Throws a `TypeError` for a name the table does not declare (a typo), with the nearest declared
 * name when one is close (`audiance` → `audience`).
 */
export function validateOptionNames(options: object, table: object, scope: OptionScope = {}): void {
  for (const name of Object.keys(options)) {
    if (Object.hasOwn(table, name)) continue;
    const hint = nearestName(name, Object.keys(table));
    const note = hint
      ? ` (did you mean "${hint}"?)`
      : scope.outer?.includes(name)
        ? ' (it is a top-level option)'
        : '';
    const named = scope.in === undefined ? `"${scope.prefix ?? ''}${name}"` : `"${name}" in ${scope.in}`;
    throw new TypeError(`tokengate: unknown option ${named}${note}`);
  }
}

/**
 * Validates an options object against its table: unknown names first, then each given option by
 * its entry; options not given take the entry's default. The result holds every declared name.
 *
 * @throws TypeError naming the option.
 */
export function resolveOptions<T extends Record<string, OptionSpec<unknown>>>(
  table: T,
  options: object,
  scope: OptionScope = {},
): ResolvedOptions<T> {
  validateOptionNames(options, table, scope);
  const resolved: Record<string, unknown> = {};
  for (const name of Object.keys(table)) {
    const value = (options as Record<string, unknown>)[name];
    const spec = table[name]!;
    resolved[name] =
      value === undefined
        ? spec.default
        : spec.validate(value, `option "${scope.prefix ?? ''}${name}"${scope.where ?? ''}`);
  }
  return resolved as ResolvedOptions<T>;
}
