/**
 * The option tables' promise, checked by the compiler: an option declared in an options
 * interface but missing from its table, or in a table but not in its interface, does not compile.
 */
import { expectTypeOf } from 'vitest';
import type { OPTIONS, ResolvedTokengateOptions } from '../../src/config/declarations.js';
import {
  type OptionTable,
  option,
  optionWithDefault,
  type ResolvedOptions,
} from '../../src/config/declare.js';
import type { TokengateOptions } from '../../src/config/options.js';

interface Two {
  a?: number;
  b?: string;
}
const anything = (value: unknown) => value;

export const complete = { a: option(anything), b: option(anything) } satisfies OptionTable<Two>;

// @ts-expect-error declared in the interface (b) but not validated
export const missing = { a: option(anything) } satisfies OptionTable<Two>;

// validated (c) but not declared in the interface
export const extra = {
  a: option(anything),
  b: option(anything),
  // @ts-expect-error 'c' does not exist in type 'OptionTable<Two>'
  c: option(anything),
} satisfies OptionTable<Two>;

// The real table has exactly the options' names, both ways.
expectTypeOf<keyof typeof OPTIONS>().toEqualTypeOf<keyof TokengateOptions>();

// Resolved values: a default makes the value always present; without one it may be undefined.
const table = { n: optionWithDefault((v) => Number(v), 1), s: option((v) => String(v)) };
expectTypeOf<ResolvedOptions<typeof table>>().toEqualTypeOf<{
  readonly n: number;
  readonly s: string | undefined;
}>();
expectTypeOf<ResolvedTokengateOptions['clockTolerance']>().toEqualTypeOf<number>();
expectTypeOf<ResolvedTokengateOptions['maxTokenAge']>().toEqualTypeOf<number | undefined>();
