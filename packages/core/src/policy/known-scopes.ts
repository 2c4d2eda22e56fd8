/**
 * Every scope named by a scope guard (`requireScope`, `requireAnyScope`, their decorators)
 * created in this process: the default `scopes_supported` of the protected resource metadata.
 */
const scopes = new Set<string>();
let version = 0;

/** Records the scopes a scope guard asks for. */
export function noteGuardScopes(values: readonly string[]): void {
  for (const value of values) {
    if (!scopes.has(value)) {
      scopes.add(value);
      version++;
    }
  }
}

/** The scopes recorded so far, and a counter that changes whenever one is added. */
export function guardScopes(): { readonly version: number; readonly scopes: readonly string[] } {
  return { version, scopes: [...scopes].sort() };
}

/** How many times a scope was added; cheap to compare before calling {@link guardScopes}. */
export function guardScopesVersion(): number {
  return version;
}
