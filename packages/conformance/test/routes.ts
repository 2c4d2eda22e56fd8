import type { AuthContext, AuthError, TokengateOptions } from '@tokengate/core';

/**
 * The guards every driver mounts, both as middleware at `/guard/<name>` and as a decorated class
 * method at `/decorated/<name>`. Cases name a guard; the suite runs it both ways.
 */
export const GUARDS = {
  authenticated: { middleware: 'requireAuth', args: [] },
  scope: { middleware: 'requireScope', args: ['orders:read', 'orders:write'] },
  anyScope: { middleware: 'requireAnyScope', args: ['orders:read', 'orders:admin'] },
  role: { middleware: 'requireRole', args: ['admin'] },
  anyRole: { middleware: 'requireAnyRole', args: ['admin', 'support'] },
  claimsPartial: { middleware: 'requireClaims', args: [{ tenant: 'acme', email_verified: true }] },
  claimsPredicate: {
    middleware: 'requireClaims',
    args: [(auth: AuthContext<any>) => auth.claims.tenant === 'acme' && auth.scopes.has('orders:read')],
  },
} as const;

export type GuardName = keyof typeof GUARDS;
export const GUARD_NAMES = Object.keys(GUARDS) as GuardName[];

/** Mounts one guard middleware from an adapter module (they all export the same names). */
export function guardMiddleware<M>(adapter: Record<string, unknown>, name: GuardName): M {
  const { middleware, args } = GUARDS[name];
  return (adapter[middleware] as (...a: unknown[]) => M)(...args);
}

/** What every handler answers with: a JSON summary of the request's auth state. */
export interface Summary {
  auth: {
    subject: string | undefined;
    issuer: string | undefined;
    scopes: string[];
    roles: string[];
    claims: Record<string, unknown>;
    payload: Record<string, unknown>;
    hasToken: boolean;
    binding: 'bearer' | 'dpop';
    jkt: string | undefined;
  } | null;
  authError: { code: string; reason: string | undefined } | null;
}

export function summarize(auth: AuthContext<any> | undefined, authError: AuthError | undefined): Summary {
  return {
    auth: auth
      ? {
          subject: auth.subject,
          issuer: auth.issuer,
          scopes: [...auth.scopes].sort(),
          roles: [...auth.roles].sort(),
          claims: auth.claims,
          payload: auth.payload,
          hasToken: typeof auth.token === 'string' && auth.token.length > 0,
          binding: auth.binding,
          jkt: auth.jkt,
        }
      : null,
    authError: authError ? { code: authError.code, reason: authError.reason } : null,
  };
}

/**
 * What a careless handler might do to the context it was given: grant itself a scope and a role,
 * edit the claims and the payload. Each attempt may throw (contexts are immutable); the handler
 * carries on either way. Served at `/mutate` by every driver: the next request with the same
 * token must not see any of it (the verified-token cache shares one context per token).
 */
export function mutate(auth: AuthContext<any> | undefined): void {
  if (!auth) return;
  const attempts: (() => void)[] = [
    () => (auth.scopes as Set<string>).add('orders:write'),
    () => Set.prototype.add.call(auth.scopes, 'orders:write'),
    () => (auth.roles as Set<string>).add('admin'),
    () => Set.prototype.add.call(auth.roles, 'admin'),
    () => Object.assign(auth.claims, { tenant: 'acme', email_verified: true }),
    () => Object.assign(auth.payload, { tenant: 'acme', email_verified: true, roles: ['admin'] }),
    () => Object.assign(auth, { subject: 'mallory' }),
  ];
  for (const attempt of attempts) {
    try {
      attempt();
    } catch {
      // refused: what an immutable context does
    }
  }
}

/** Prefix of the routes behind a second `jwtAuth` (the case's `inner` options), mounted after the first. */
export const INNER = '/inner';

/** A request as the table describes it. An array header value is sent as several header lines. */
export interface CaseRequest {
  method?: string;
  /** Path and query; `/` by default. */
  path?: string;
  headers?: Record<string, string | string[]>;
}

/** A response as every driver reports it. */
export interface CaseResponse {
  status: number;
  /** Lower-case header names. */
  headers: Record<string, string | undefined>;
  body: any;
  text: string;
}

/** A running app of one framework. */
export interface Target {
  send(request: CaseRequest): Promise<CaseResponse>;
  close(): Promise<void>;
}

/**
 * One framework. Routes every driver serves (any method):
 * `/` (summary), `/me` (summary through the adapter's `getAuth`), `/guard/<name>` and
 * `/decorated/<name>` (summary behind the guard), `/mutate` (the summary after {@link mutate}),
 * with the adapter's JSON error rendering. With `inner` options, the same routes (except
 * `/mutate`) are also served under {@link INNER} (`/inner/`, `/inner/guard/<name>`, …) behind a
 * second `jwtAuth(inner)` that runs after the first.
 */
export interface Driver {
  readonly name: string;
  /** Reads a request header from the framework's own request object (`req`, `ctx`, `c`). */
  readHeader(raw: unknown, name: string): string | undefined;
  /** Whether `raw` is the framework's own request object. */
  isNative(raw: unknown): boolean;
  start(options: TokengateOptions<any>, inner?: TokengateOptions<any>): Promise<Target>;
  /**
   * Authentication runs on routes only (Nest's global guard): a path without a route is the
   * framework's 404 before any token is looked at (cases marked `unrouted`).
   */
  readonly routesOnly?: boolean;
}
