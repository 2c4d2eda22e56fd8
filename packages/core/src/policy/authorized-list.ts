import { type Guard, requireAuth, requireRole, requireScope } from './guards.js';

/** The prefix that makes an entry of an `@Authorized([...])` list a role rather than a scope. */
export const ROLE_PREFIX = 'role:';

/**
 * The guards a routing-controllers `@Authorized(...)` list stands for. Every entry is needed
 * (AND, class-level entries included, which routing-controllers prepends): an entry `role:name`
 * needs the role `name`, any other entry is a scope. An empty list needs authentication only.
 * Scopes are checked before roles, so a request missing both is refused with
 * `insufficient_scope` and its `scope="…"` challenge.
 *
 * @throws TypeError when an entry is not a non-empty string, or is `role:` without a name: the
 *   developer's mistake, thrown when the route is first requested (routing-controllers hands the
 *   list over only then); the handler does not run.
 * @example
 * ```ts
 * resolveAuthorizedList(['orders:read', 'role:admin']); // [requireScope('orders:read'), requireRole('admin')]
 * ```
 */
export function resolveAuthorizedList(entries: readonly unknown[]): readonly Guard[] {
  if (!Array.isArray(entries)) {
    throw new TypeError('tokengate: @Authorized() takes a list of scopes and `role:` entries');
  }
  const scopes: string[] = [];
  const roles: string[] = [];
  for (const entry of entries) {
    if (typeof entry !== 'string' || entry === '' || entry === ROLE_PREFIX) {
      throw new TypeError(
        `tokengate: @Authorized() entries are scope names or \`${ROLE_PREFIX}name\`; got ${describe(entry)}`,
      );
    }
    if (entry.startsWith(ROLE_PREFIX)) roles.push(entry.slice(ROLE_PREFIX.length));
    else scopes.push(entry);
  }
  const guards: Guard[] = [];
  if (scopes.length > 0) guards.push(requireScope(...scopes));
  if (roles.length > 0) guards.push(requireRole(...roles));
  if (guards.length === 0) guards.push(requireAuth());
  return Object.freeze(guards);
}

function describe(entry: unknown): string {
  return typeof entry === 'string' ? JSON.stringify(entry) : typeof entry;
}
