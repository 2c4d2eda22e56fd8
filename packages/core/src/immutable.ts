/**
 * A set that cannot be changed: what `auth.scopes` and `auth.roles` are. It keeps its values in
 * a private `Set`, so no method reached through it (not even `Set.prototype.add.call`) can add
 * to them; `add`, `delete` and `clear` throw a `TypeError`. A verified context is shared by
 * every request that presents the same token (the verified-token cache), so a handler that could
 * add a scope would grant it to the next request.
 */
export class ReadOnlySet<T> implements ReadonlySet<T> {
  readonly #values: Set<T>;

  /** @param values - the members, copied. */
  constructor(values: Iterable<T> = []) {
    this.#values = new Set(values);
    Object.freeze(this);
  }

  /** Number of members. */
  get size(): number {
    return this.#values.size;
  }

  /** Whether `value` is a member. */
  has(value: T): boolean {
    return this.#values.has(value);
  }

  /** Calls `callback` for each member, in insertion order. */
  forEach(callback: (value: T, key: T, set: ReadonlySet<T>) => void, thisArg?: unknown): void {
    for (const value of this.#values) callback.call(thisArg, value, value, this);
  }

  /** The members. */
  values(): SetIterator<T> {
    return this.#values.values();
  }

  /** The members (as `Set.prototype.keys`). */
  keys(): SetIterator<T> {
    return this.#values.keys();
  }

  /** `[member, member]` pairs (as `Set.prototype.entries`). */
  entries(): SetIterator<[T, T]> {
    return this.#values.entries();
  }

  /** The members. */
  [Symbol.iterator](): SetIterator<T> {
    return this.#values.values();
  }

  /** @throws TypeError always: the set is read-only. */
  add(_value: T): never {
    throw readOnly();
  }

  /** @throws TypeError always: the set is read-only. */
  delete(_value: T): never {
    throw readOnly();
  }

  /** @throws TypeError always: the set is read-only. */
  clear(): never {
    throw readOnly();
  }

  /** `'ReadOnlySet'`. */
  get [Symbol.toStringTag](): string {
    return 'ReadOnlySet';
  }
}

function readOnly(): TypeError {
  return new TypeError('tokengate: the scopes and roles of an auth context are read-only');
}

/**
 * Freezes a value and every plain object and array inside it (iteratively: nesting depth is not
 * bounded by the call stack). Other objects (class instances, `Map`s, `Date`s a schema may
 * return) are left as they are: they are the app's own.
 */
export function deepFreeze<T>(value: T): T {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const item = stack.pop();
    if (typeof item !== 'object' || item === null || Object.isFrozen(item)) continue;
    const proto = Object.getPrototypeOf(item);
    if (!Array.isArray(item) && proto !== Object.prototype && proto !== null) continue;
    Object.freeze(item);
    for (const member of Object.values(item)) {
      if (typeof member === 'object' && member !== null) stack.push(member);
    }
  }
  return value;
}
