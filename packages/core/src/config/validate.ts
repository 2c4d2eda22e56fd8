/**
 * Small validators for the option tables: each takes a given value and the label of the option
 * (`option "realm"`, `option "typ" (issuers[0])`), returns the value resolved, and throws a
 * `TypeError` starting `tokengate: ${label}`.
 */

/** A value or a list of values, as a list (undefined stays undefined). */
export function list<T>(value: T | readonly T[] | undefined): readonly T[] | undefined {
  if (value === undefined) return undefined;
  return Array.isArray(value) ? (value as readonly T[]) : [value as T];
}

/** A non-empty string or a non-empty list of them, as a set. */
export function validateStringSet(value: unknown, label: string): ReadonlySet<string> {
  const values = list(value)!;
  if (values.length === 0 || values.some((v) => typeof v !== 'string' || v === '')) {
    throw new TypeError(`tokengate: ${label} must be a non-empty string or a list of them`);
  }
  return new Set(values as readonly string[]);
}

/** A positive integer. */
export function validatePositiveInteger(value: unknown, label: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
    throw new TypeError(`tokengate: ${label} must be a positive integer`);
  }
  return value;
}

/** A function. */
export function validateFunction<F>(value: unknown, label: string): F {
  if (typeof value !== 'function') throw new TypeError(`tokengate: ${label} must be a function`);
  return value as F;
}

/** A boolean. */
export function validateBoolean(value: unknown, label: string): boolean {
  if (typeof value !== 'boolean') throw new TypeError(`tokengate: ${label} must be a boolean`);
  return value;
}

/** A string. */
export function validateString(value: unknown, label: string): string {
  if (typeof value !== 'string') throw new TypeError(`tokengate: ${label} must be a string`);
  return value;
}

/** A validator for one of a few literal values. */
export function oneOf<const V extends string>(...values: V[]): (value: unknown, label: string) => V {
  return (value, label) => {
    if (!values.includes(value as V)) {
      throw new TypeError(`tokengate: ${label} must be ${values.map((v) => `'${v}'`).join(' or ')}`);
    }
    return value as V;
  };
}
