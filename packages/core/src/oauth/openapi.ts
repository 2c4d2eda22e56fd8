import type { TokengateOptions } from '../config/options.js';
import { KEY_OPTIONS } from '../keys/from-options.js';
import { discoveryUrls } from '../keys/remote/discovery.js';
import type { Guard } from '../policy/guards.js';
import { resourceMetadataUrl } from './resource.js';

/**
 * An OpenAPI Security Scheme Object as {@link securityScheme} produces it (OpenAPI 3.0 and 3.1,
 * §4.8.27): HTTP bearer with `bearerFormat: 'JWT'`, or OpenID Connect discovery.
 */
export type OpenApiSecurityScheme = (
  | { type: 'http'; scheme: 'bearer'; bearerFormat: 'JWT'; description?: string }
  | { type: 'openIdConnect'; openIdConnectUrl: string; description?: string }
) & {
  /**
   * With the `resource` option: the RFC 9728 protected resource metadata URL (an OpenAPI
   * specification extension; OpenAPI has no member for it).
   */
  'x-resource-metadata'?: string;
};

/**
 * An OpenAPI Security Requirement Object (§4.8.30): scheme name → the scopes that must all be
 * granted. An operation's `security` array lists alternatives (any one of them suffices).
 */
export type OpenApiSecurityRequirement = Record<string, string[]>;

/** Options of {@link securityScheme}. */
export interface SecuritySchemeOptions {
  /**
   * The key under `components.securitySchemes`; {@link securityRequirement} must use the same.
   * Letters, digits, `.`, `-` and `_` (the OpenAPI component name pattern).
   * @default 'bearerAuth'
   */
  name?: string;
  /** A description shown by documentation tools (CommonMark allowed). */
  description?: string;
}

/** Options of {@link securityRequirement}. */
export interface SecurityRequirementOptions {
  /**
   * The security scheme's name, as given to {@link securityScheme}.
   * @default 'bearerAuth'
   */
  name?: string;
}

/**
 * Anything that carries a core {@link Guard}: the guard middleware of every adapter
 * (`requireScope('a')` from `@tokengate/express`, `/koa`, `/hono`) has it as `.guard`.
 */
export interface GuardCarrier {
  /** The core guard the middleware enforces. */
  readonly guard: Guard;
}

/**
 * What {@link securityRequirement} accepts: a guard (or an adapter's guard middleware), several
 * (all must pass), or scope names.
 */
export type SecurityRequirementInput =
  | Guard
  | GuardCarrier
  | readonly (Guard | GuardCarrier)[]
  | readonly string[];

const DEFAULT_NAME = 'bearerAuth';
const NAME_PATTERN = /^[a-zA-Z0-9.\-_]+$/;
/** Alternatives produced from `requireAnyScope` guards, at most (their product when combined). */
const MAX_ALTERNATIVES = 64;

function schemeName(name: unknown, fn: string): string {
  if (name === undefined) return DEFAULT_NAME;
  if (typeof name !== 'string' || !NAME_PATTERN.test(name)) {
    throw new TypeError(
      `tokengate: ${fn}() option "name" must match ${NAME_PATTERN} (an OpenAPI component name)`,
    );
  }
  return name;
}

/** The issuer's OIDC discovery URL, computed as the verifier's discovery computes it. */
function discoveryUrl(issuer: string): string {
  try {
    return discoveryUrls(issuer).openid;
  } catch (error) {
    throw new TypeError(`tokengate: securityScheme() option "issuer": ${(error as Error).message}`);
  }
}

/**
 * The `components.securitySchemes` entry describing how a tokengate-protected API authenticates,
 * from the same options given to `jwtAuth()` / `createVerifier()`.
 *
 * Configured by `issuer` alone (keys from OIDC discovery), the scheme is `openIdConnect` with the
 * issuer's discovery URL, so documentation tools can sign users in; with any key option
 * (`secret`, `publicKey`, `jwks`, `jwksUri`) or several `issuers`, it is HTTP `bearer` with
 * `bearerFormat: 'JWT'`. With `resource` (an OAuth 2.1 protected resource, RFC 9728), the scheme
 * also points at the resource's metadata document as `x-resource-metadata`. Nothing secret from
 * the options ends up in the result.
 *
 * @param options - the tokengate options (only `issuer`, `issuers`, `resource` and the key options are read).
 * @param schemeOptions - the scheme's `name` (default `'bearerAuth'`) and `description`.
 * @returns `{ [name]: scheme }`, to spread into `components.securitySchemes`.
 * @throws TypeError for a malformed `name`, or an `issuer` that could not be discovered (not an
 * absolute https URL, or with a query or fragment) when it is the key source.
 * @example
 * ```ts
 * const auth = { issuer: 'https://idp.example.com/', audience: 'api://orders' };
 * const doc = {
 *   openapi: '3.1.0',
 *   info: { title: 'Orders', version: '1.0.0' },
 *   components: { securitySchemes: { ...securityScheme(auth) } },
 *   // → { bearerAuth: { type: 'openIdConnect',
 *   //     openIdConnectUrl: 'https://idp.example.com/.well-known/openid-configuration' } }
 * };
 * ```
 * @see https://spec.openapis.org/oas/v3.1.0#security-scheme-object
 */
export function securityScheme(
  options: TokengateOptions<any, any>,
  schemeOptions: SecuritySchemeOptions = {},
): Record<string, OpenApiSecurityScheme> {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError('tokengate: securityScheme() needs the tokengate options object');
  }
  const name = schemeName(schemeOptions.name, 'securityScheme');
  const description = schemeOptions.description;
  if (description !== undefined && typeof description !== 'string') {
    throw new TypeError('tokengate: securityScheme() option "description" must be a string');
  }
  const byDiscovery =
    options.issuers === undefined &&
    KEY_OPTIONS.every((k) => options[k] === undefined) &&
    (typeof options.issuer === 'string' ||
      (Array.isArray(options.issuer) &&
        options.issuer.length === 1 &&
        typeof options.issuer[0] === 'string'));
  let scheme: OpenApiSecurityScheme;
  if (byDiscovery) {
    const issuer = typeof options.issuer === 'string' ? options.issuer : (options.issuer as string[])[0]!;
    scheme = { type: 'openIdConnect', openIdConnectUrl: discoveryUrl(issuer) };
  } else {
    scheme = { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' };
  }
  if (description !== undefined) scheme.description = description;
  if (options.resource !== undefined) {
    try {
      scheme['x-resource-metadata'] = resourceMetadataUrl(options.resource);
    } catch (error) {
      throw new TypeError(
        `tokengate: securityScheme() ${(error as Error).message.replace(/^tokengate: /, '')}`,
      );
    }
  }
  return { [name]: scheme };
}

function unwrapGuard(value: unknown): unknown {
  const carried = (value as Partial<GuardCarrier> | null | undefined)?.guard;
  return !isGuard(value) && isGuard(carried) ? carried : value;
}

function isGuard(value: unknown): value is Guard {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Guard).check === 'function' &&
    typeof (value as Guard).kind === 'string' &&
    Array.isArray((value as Guard).scopes)
  );
}

/** Each alternative is a list of scopes that must all be granted. */
function alternativesOf(guard: Guard): string[][] {
  if (guard.kind !== 'scope') return [[]];
  return guard.mode === 'any' ? guard.scopes.map((s) => [s]) : [[...guard.scopes]];
}

/**
 * The per-operation `security` array for a route protected by a guard: the scopes a
 * `requireScope(...)` guard needs are listed in one requirement; a `requireAnyScope(...)` guard
 * becomes one alternative per scope (OpenAPI lists alternatives as separate requirements). Role,
 * claims and `requireAuth()` guards require authentication without OAuth scopes (`[]`), because
 * roles are not scopes an OpenID Connect client can ask for.
 *
 * Scope lists are meaningful to OpenAPI 3.1 for every scheme type (§4.8.30: role names for
 * `http` schemes); OpenAPI 3.0 wants an empty list for `http` schemes, so for a 3.0 document with a
 * bearer scheme pass `[]` or use `requireAuth()`.
 *
 * Several guards on one route are combined: every one must pass (alternatives that ask for more
 * than another one are left out).
 *
 * @param guards - a core guard (`requireScope('orders:read')`), a list of guards, or scope names.
 * @param options - the security scheme's `name` (default `'bearerAuth'`).
 * @returns the value for the operation's `security` field.
 * @throws TypeError for anything that is not a guard or a list of scope names.
 * @example
 * ```ts
 * const canRead = requireScope('orders:read');
 * app.get('/orders', guard(canRead), listOrders);               // @tokengate/express
 * doc.paths['/orders'].get.security = securityRequirement(canRead);
 * // → [{ bearerAuth: ['orders:read'] }]
 * securityRequirement(requireAnyScope('a', 'b')); // → [{ bearerAuth: ['a'] }, { bearerAuth: ['b'] }]
 * ```
 * @see https://spec.openapis.org/oas/v3.1.0#security-requirement-object
 */
export function securityRequirement(
  guards: SecurityRequirementInput,
  options: SecurityRequirementOptions = {},
): OpenApiSecurityRequirement[] {
  const name = schemeName(options.name, 'securityRequirement');
  guards = (
    Array.isArray(guards) ? (guards as unknown[]).map(unwrapGuard) : unwrapGuard(guards)
  ) as SecurityRequirementInput;
  let list: readonly Guard[];
  if (isGuard(guards)) {
    list = [guards];
  } else if (Array.isArray(guards) && guards.every((g) => typeof g === 'string' && g !== '')) {
    return [{ [name]: [...new Set(guards as readonly string[])] }];
  } else if (Array.isArray(guards) && guards.length > 0 && guards.every(isGuard)) {
    list = guards as readonly Guard[];
  } else {
    throw new TypeError(
      'tokengate: securityRequirement() needs a guard (requireScope(...)), a list of guards, or a list of scope names',
    );
  }
  let alternatives: string[][] = [[]];
  for (const guard of list) {
    const next: string[][] = [];
    for (const base of alternatives) {
      for (const extra of alternativesOf(guard)) next.push([...new Set([...base, ...extra])]);
    }
    if (next.length > MAX_ALTERNATIVES) {
      throw new TypeError(
        `tokengate: securityRequirement() would list more than ${MAX_ALTERNATIVES} alternatives; combine fewer requireAnyScope() guards`,
      );
    }
    alternatives = next;
  }
  // Drop duplicates and alternatives that ask for more than another one (they add nothing).
  const sets = alternatives.map((scopes) => new Set(scopes));
  const out: OpenApiSecurityRequirement[] = [];
  sets.forEach((set, i) => {
    const redundant = sets.some(
      (other, j) =>
        j !== i &&
        other.size <= set.size &&
        [...other].every((s) => set.has(s)) &&
        (other.size < set.size || j < i),
    );
    if (!redundant) out.push({ [name]: [...set] });
  });
  return out;
}
