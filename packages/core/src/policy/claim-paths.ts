import { ReadOnlySet } from '../context/immutable.js';

/** A resolved list of claim paths: each is tried as a literal key first, then as a dotted path. */
export type ClaimPaths = readonly string[];

/** Default scope claims: `scope` (space-delimited, RFC 8693 §4.2) and `scp` (array or string). */
export const DEFAULT_SCOPE_CLAIMS: ClaimPaths = ['scope', 'scp'];
/** Default role claims: `roles`, `role` and `groups` (RFC 9068 §7.2 / SCIM). */
export const DEFAULT_ROLE_CLAIMS: ClaimPaths = ['roles', 'role', 'groups'];

/** Reads a claim by literal key (Auth0 namespaced claims contain dots), then by dotted path. */
export function readClaim(claims: Record<string, unknown>, path: string): unknown {
  if (Object.hasOwn(claims, path)) return claims[path];
  if (!path.includes('.')) return undefined;
  let current: unknown = claims;
  for (const part of path.split('.')) {
    if (typeof current !== 'object' || current === null || !Object.hasOwn(current, part)) return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

const EMPTY: ReadonlySet<string> = new ReadOnlySet();

/**
 * Collects values from claim paths into a read-only set. Scopes split strings on spaces; roles
 * keep a string as one role. Arrays contribute their string elements; anything else is ignored.
 */
export function collect(
  claims: Record<string, unknown>,
  paths: ClaimPaths,
  splitStrings: boolean,
): ReadonlySet<string> {
  let out: Set<string> | undefined;
  for (const path of paths) {
    const value = readClaim(claims, path);
    if (value === undefined) continue;
    out ??= new Set();
    if (typeof value === 'string') {
      if (splitStrings) {
        for (const part of value.split(' ')) if (part) out.add(part);
      } else if (value) out.add(value);
    } else if (Array.isArray(value)) {
      for (const item of value) if (typeof item === 'string' && item) out.add(item);
    }
  }
  return out === undefined ? EMPTY : new ReadOnlySet(out);
}
