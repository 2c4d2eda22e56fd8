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
 * Freezes a value and every plain object and array inside it, once (a verified context is built
 * on a cache miss only). Other objects (class instances, `Map`s, `Date`s a schema may return)
 * are left as they are: they are the app's own. Recursive for the usual shallow payload (no
 * allocation), iterative below {@link RECURSION_LIMIT} levels: nesting depth is the issuer's
 * choice, never the call stack's.
 */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) freezeTree(value, 0, true);
  return value;
}

/**
 * {@link deepFreeze} for a value straight from `JSON.parse` (a verified payload): every object in
 * it is a fresh plain object or array, so none needs the checks {@link deepFreeze} makes for
 * values an app or a schema built. Freezing the payload on every uncached verify is the price of
 * immutable contexts; this keeps it to the `Object.freeze` calls themselves.
 */
export function freezeParsed<T extends object>(value: T): T {
  freezeTree(value, 0, false);
  return value;
}

const RECURSION_LIMIT = 32;

function freezable(item: object): boolean {
  if (Object.isFrozen(item)) return false;
  if (Array.isArray(item)) return true;
  const proto = Object.getPrototypeOf(item);
  return proto === Object.prototype || proto === null;
}

/** @param check - whether `item` may be something other than a fresh plain object or array. */
function freezeTree(item: object, depth: number, check: boolean): void {
  if (check && !freezable(item)) return;
  Object.freeze(item);
  // `for…in` over a plain object or an array (null or Object.prototype, whose members are not
  // enumerable) visits exactly its own members, without allocating a list of them.
  for (const key in item) {
    const member = (item as Record<string, unknown>)[key];
    if (typeof member !== 'object' || member === null) continue;
    if (depth < RECURSION_LIMIT) freezeTree(member, depth + 1, check);
    else freezeDeep(member);
  }
}

function freezeDeep(root: object): void {
  const stack: object[] = [root];
  while (stack.length > 0) {
    const item = stack.pop()!;
    if (!freezable(item)) continue;
    Object.freeze(item);
    const members: readonly unknown[] = Array.isArray(item) ? item : Object.values(item);
    for (const member of members) if (typeof member === 'object' && member !== null) stack.push(member);
  }
}
