import { ReadOnlySet } from '../context/immutable.js';

/**
 * A resolved list of claim paths. A path that starts with `/` is an RFC 6901 JSON Pointer
 * (`/resource_access/com.example.app/roles`, `~1` for `/` and `~0` for `~` inside a name); any
 * other path is tried as a literal key first, then as a dotted path.
 */
export type ClaimPaths = readonly string[];

/** Default scope claims: `scope` (space-delimited, RFC 8693 §4.2) and `scp` (array or string). */
export const DEFAULT_SCOPE_CLAIMS: ClaimPaths = ['scope', 'scp'];
/** Default role claims: `roles`, `role` and `groups` (RFC 9068 §7.2 / SCIM). */
export const DEFAULT_ROLE_CLAIMS: ClaimPaths = ['roles', 'role', 'groups'];

/**
 * Validates one claim path: a JSON Pointer's `~` must start `~0` or `~1` (RFC 6901 §3), and the
 * pointer must name a claim (`/` alone names the claim `""`, which no issuer sends: refused).
 * @throws TypeError naming `label`.
 */
export function validateClaimPath(path: string, label: string): string {
  if (!path.startsWith('/')) return path;
  if (path === '/' || /~(?![01])/.test(path)) {
    throw new TypeError(
      `tokengate: ${label} has an invalid JSON Pointer ${JSON.stringify(path)} (RFC 6901: "~" must be followed by 0 or 1)`,
    );
  }
  return path;
}

/** The reference tokens of a JSON Pointer, unescaped (`~1` → `/`, then `~0` → `~`, RFC 6901 §4). */
function pointerTokens(pointer: string): string[] {
  return pointer
    .slice(1)
    .split('/')
    .map((token) => (token.includes('~') ? token.replaceAll('~1', '/').replaceAll('~0', '~') : token));
}

function step(current: unknown, name: string): unknown {
  if (typeof current !== 'object' || current === null) return undefined;
  if (Array.isArray(current)) {
    // RFC 6901 §4: an array index is "0" or a decimal without a leading zero.
    if (!/^(0|[1-9]\d*)$/.test(name)) return undefined;
    return current[Number(name)];
  }
  return Object.hasOwn(current, name) ? (current as Record<string, unknown>)[name] : undefined;
}

/**
 * Reads a claim: by JSON Pointer when the path starts with `/`; otherwise by literal key (Auth0
 * namespaced claims contain dots), then by dotted path.
 */
export function readClaim(claims: Record<string, unknown>, path: string): unknown {
  if (path.charCodeAt(0) === 47 /* / */) {
    let current: unknown = claims;
    for (const name of pointerTokens(path)) {
      current = step(current, name);
      if (current === undefined) return undefined;
    }
    return current;
  }
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
