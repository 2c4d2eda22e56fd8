/** Parts of an RFC 6750 §3 `WWW-Authenticate: Bearer …` challenge. */
export interface ChallengeParts {
  /** `realm`, omitted when undefined. */
  realm?: string | undefined;
  /** RFC 6750 `error` token; omitted when no credentials were sent (§3.1). */
  error?: string | undefined;
  /** `error_description`; characters outside RFC 6750's set are dropped. */
  description?: string | undefined;
  /** Scopes needed, joined with spaces as `scope="…"`. */
  scope?: readonly string[] | undefined;
  /** RFC 9728 §5.1 `resource_metadata`: the URL of the protected resource metadata. */
  resourceMetadata?: string | undefined;
}

// RFC 6750 §3: error_description and scope values use %x20-21 / %x23-5B / %x5D-7E (no `"` or `\`).
const UNSAFE = /[^\x20\x21\x23-\x5b\x5d-\x7e]/g;

function quoted(value: string): string {
  return `"${value.replace(UNSAFE, '')}"`;
}

/**
 * Builds the value of a `WWW-Authenticate` header for the Bearer scheme (RFC 6750 §3).
 *
 * @example
 * ```ts
 * buildChallenge({ realm: 'api', error: 'invalid_token', description: 'token expired' });
 * // => 'Bearer realm="api", error="invalid_token", error_description="token expired"'
 * ```
 * With `resourceMetadata`, the challenge also names the RFC 9728 metadata URL (after the other
 * parameters), so that clients can discover the authorization server.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3
 * @see https://www.rfc-editor.org/rfc/rfc9728#section-5.1
 */
export function buildChallenge(parts: ChallengeParts = {}): string {
  const params: string[] = [];
  if (parts.realm !== undefined) params.push(`realm=${quoted(parts.realm)}`);
  if (parts.error) params.push(`error=${quoted(parts.error)}`);
  if (parts.description) params.push(`error_description=${quoted(parts.description)}`);
  if (parts.scope && parts.scope.length > 0) params.push(`scope=${quoted(parts.scope.join(' '))}`);
  if (parts.resourceMetadata) params.push(`resource_metadata=${quoted(parts.resourceMetadata)}`);
  return params.length === 0 ? 'Bearer' : `Bearer ${params.join(', ')}`;
}

/**
 * The `DPoP` challenge an {@link AuthError} announces when the `dpop` option is on (RFC 9449 §7.1).
 */
export interface DpopChallenge {
  /** Proof algorithms accepted, announced as `algs="…"`. */
  readonly algorithms: readonly string[];
  /** Whether Bearer presentations are accepted too (both challenges are then sent, RFC 9449 §7.2). */
  readonly bearer: boolean;
  /** The scheme the request used; the error parameters go on that scheme's challenge. */
  readonly scheme: 'bearer' | 'dpop' | undefined;
}

/**
 * Builds a `DPoP` challenge (RFC 9449 §7.1): the same parameters as {@link buildChallenge}, then
 * `algs="…"` with the proof algorithms accepted.
 *
 * @example
 * ```ts
 * buildDpopChallenge({ error: 'invalid_dpop_proof', description: 'proof is stale' }, ['ES256']);
 * // => 'DPoP error="invalid_dpop_proof", error_description="proof is stale", algs="ES256"'
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-7.1
 */
export function buildDpopChallenge(parts: ChallengeParts, algorithms: readonly string[]): string {
  const bearer = buildChallenge(parts);
  const params = bearer === 'Bearer' ? '' : bearer.slice('Bearer '.length);
  const algs = `algs=${quoted(algorithms.join(' '))}`;
  return `DPoP ${params === '' ? algs : `${params}, ${algs}`}`;
}
