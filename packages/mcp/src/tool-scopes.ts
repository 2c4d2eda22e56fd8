import type { ScopeChallenge, ScopeChallengeHandler } from '@modelcontextprotocol/server';

/**
 * Each tool's scopes: a scope, or a list of scopes that are all needed. `[]` marks a tool that
 * needs no scope beyond what the gate asks of every request.
 */
export type ToolScopes = Readonly<Record<string, string | readonly string[]>>;

/** RFC 6749 §3.3 `scope-token`: printable ASCII except space, `"` and `\`. */
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

function validateToolScopes(table: ToolScopes): Map<string, readonly string[]> {
  if (typeof table !== 'object' || table === null || Array.isArray(table))
    throw new TypeError('toolScopes: expected an object mapping each tool name to its scope(s)');
  const resolved = new Map<string, readonly string[]>();
  for (const [tool, entry] of Object.entries(table)) {
    const scopes = typeof entry === 'string' ? [entry] : entry;
    if (!Array.isArray(scopes))
      throw new TypeError(`toolScopes: "${tool}" must be a scope or an array of scopes`);
    for (const scope of scopes)
      if (typeof scope !== 'string' || !SCOPE_TOKEN.test(scope))
        throw new TypeError(
          `toolScopes: "${tool}" names ${JSON.stringify(scope)}, not an OAuth scope (RFC 6749 §3.3: printable ASCII, no space, " or \\)`,
        );
    resolved.set(tool, Object.freeze([...new Set<string>(scopes)]));
  }
  return resolved;
}

/**
 * Per-tool scopes for the MCP SDK v2: returns the SDK's `ScopeChallengeHandler`, to give as
 * `scopeChallenge` when registering each tool (`server.registerTool(name, { scopeChallenge }, cb)`).
 * A `tools/call` whose token lacks one of the tool's scopes is answered by the SDK's transport
 * with the RFC 6750 403 `insufficient_scope`, `scope="…"` naming all of the tool's scopes and the
 * `resource_metadata` of the gate, before the tool runs; the SDK's client steps up (asks the
 * authorization server for the union of its scopes and these) and retries.
 *
 * Fails closed:
 * - a call that reaches the tool without the gate's `AuthInfo` (no gate in front) is refused too;
 * - a tool given this handler but missing from the table makes the call fail (the SDK answers
 *   500, the tool does not run): list every tool, with `[]` for one that needs no scope.
 *
 * Table mistakes (a scope that is not an RFC 6749 scope-token) throw a `TypeError` here.
 *
 * @example
 * ```ts
 * const scopes = toolScopes({ list_notes: 'notes:read', delete_notes: ['notes:read', 'notes:admin'] });
 * server.registerTool('list_notes', { description: 'List notes', scopeChallenge: scopes }, listNotes);
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3.1
 */
export function toolScopes(table: ToolScopes): ScopeChallengeHandler {
  const scopesOf = validateToolScopes(table);
  return function toolScopeChallenge({ request, authInfo }): ScopeChallenge | undefined {
    if (request.method !== 'tools/call') return undefined;
    const name = (request.params as { name?: unknown } | undefined)?.name;
    if (typeof name !== 'string') return undefined; // the SDK refuses the call itself
    const required = scopesOf.get(name);
    if (required === undefined)
      throw new TypeError(
        `toolScopes: the tool ${JSON.stringify(name)} has no entry: list it (with [] if it needs no scope)`,
      );
    if (required.length === 0) return undefined;
    const granted = new Set(authInfo?.scopes ?? []);
    if (required.every((scope) => granted.has(scope))) return undefined;
    return {
      scopes: required as readonly string[] as readonly [string, ...string[]],
      errorDescription: 'token lacks a required scope',
    };
  };
}
