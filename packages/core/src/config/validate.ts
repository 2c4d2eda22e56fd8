/** Small validators shared by the option resolvers: each throws a `TypeError` naming the option. */

/** A value or a list of values, as a list (undefined stays undefined). */
export function list<T>(value: T | readonly T[] | undefined): readonly T[] | undefined {
  if (value === undefined) return undefined;
  return Array.isArray(value) ? (value as readonly T[]) : [value as T];
}

/** A non-empty string or a non-empty list of them, as a set. */
export function stringSet(value: unknown, option: string): ReadonlySet<string> | undefined {
  const values = list(value as string | string[] | undefined);
  if (values === undefined) return undefined;
  if (values.length === 0 || values.some((v) => typeof v !== 'string' || v === '')) {
    throw new TypeError(`tokengate: option "${option}" must be a non-empty string or a list of them`);
  }
  return new Set(values);
}

/** A positive integer option, or its default. */
export function positiveInt(value: unknown, option: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
    throw new TypeError(`tokengate: option "${option}" must be a positive integer`);
  }
  return value;
}

/** A function option, when given. */
export function checkFunction(value: unknown, option: string): void {
  if (value !== undefined && typeof value !== 'function')
    throw new TypeError(`tokengate: option "${option}" must be a function`);
}
