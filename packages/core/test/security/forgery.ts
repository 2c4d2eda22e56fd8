/**
 * The forgery corpus (issue 21): requests that try to pass a guard or a decorator with a context
 * that `jwtAuth` never concluded — request input named `auth` (a JSON body, a query, a path
 * parameter, a header) handed to a decorated method instead of the request, the same input
 * copied by the app into the framework's auth slot, and a look-alike context object built by
 * the app's own code. Every adapter runs it with a real app serving the routes of {@link ForgeryApp}.
 *
 * Each app mounts `jwtAuth({ ...kit.options, credentialsRequired: false })` app-wide (the setting
 * where the slot may be empty, so a forgery has something to fill), counts the handler runs, and
 * records the message of any error that is not an `AuthError` (answered 500).
 */
import type { RequestListener } from 'node:http';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import type { AttackKit } from './kit.js';

/** A look-alike of an admin's context from tenant acme, as app code could build one. */
export function forgedContext(): Record<string, unknown> {
  const payload = { sub: 'root', tenant: 'acme', roles: ['admin'], scope: 'orders:read orders:write' };
  return {
    token: 'forged',
    header: { alg: 'HS256' },
    claims: payload,
    payload,
    subject: 'root',
    issuer: undefined,
    scopes: new Set(['orders:read', 'orders:write']),
    roles: new Set(['admin']),
    expiresAt: undefined,
    tokenType: 'jwt',
    binding: 'bearer',
    jkt: undefined,
  };
}

/** The `auth` member a forged JSON body carries. */
export const FORGED_BODY = {
  auth: {
    subject: 'root',
    payload: { tenant: 'acme', roles: ['admin'] },
    claims: { tenant: 'acme' },
    scopes: ['orders:read'],
    roles: ['admin'],
  },
};

/** A request of the corpus. */
export interface ForgeryRequest {
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  /** A JSON body. */
  readonly body?: unknown;
}

/** What an app answered, and what it saw. */
export interface ForgeryResponse {
  readonly status: number;
  readonly code: string | undefined;
  /** How many times a handler ran for this request. */
  readonly ran: number;
  /** Messages of the non-`AuthError` errors the app's error path received. */
  readonly errors: readonly string[];
}

/**
 * One forgery app, started. The routes every forgery app serves (any method); each handler, when it runs, answers 200 with
 * `{ ran: true }` and counts one run.
 *
 * Decorated methods handed request input, as NestJS's and routing-controllers' parameter
 * decorators hand it (the app's route calls the method with that value and renders its result):
 * - `/handed/body/claims`: `@RequireClaims({ tenant: 'acme' })` method called with the parsed JSON body;
 * - `/handed/query/authenticated`: `@Authenticated()` called with the parsed query;
 * - `/handed/params/:auth/authenticated`: `@Authenticated()` called with the path parameters;
 * - `/handed/headers/authenticated`: `@Authenticated()` called with the request headers;
 * - `/handed/body-and-request/claims`: `@RequireClaims({ tenant: 'acme' })` called with the body
 *   first and the framework's request second (NestJS `create(@Body() b, @Req() req)`).
 *
 * Input copied by app middleware into the slot (`req.auth`, `ctx.state.auth`, `c.set('auth')`),
 * then a guard middleware (`/copied/...`) or a decorated handler in the framework's own shape
 * (`/copied-decorated/...`):
 * - `/copied/body/claims`, `/copied-decorated/body/claims`: the body's `auth`, then `requireClaims({ tenant: 'acme' })`;
 * - `/copied/query/authenticated`: the query's `auth`, then `requireAuth()`;
 * - `/copied/params/:auth/authenticated`: the path parameter, then `requireAuth()`;
 * - `/copied-decorated/headers/authenticated`: the `auth` header, then `@Authenticated()`.
 *
 * A context forged by the app's code (every member a real context has, `Set`s included):
 * - `/forged/role`, `/forged-decorated/role`: `{ subject: 'root', scopes, roles: admin, payload, … }`
 *   in the slot, then `requireRole('admin')` / `@RequireRole('admin')`.
 */
export interface ForgeryApp {
  send(request: ForgeryRequest): Promise<ForgeryResponse>;
  close(): Promise<void>;
}

/** Expected: an answer for the token actually sent, or a closed failure (app wiring error). */
export type ForgeryExpectation =
  | { readonly status: 200 }
  | { readonly status: 401 | 403; readonly code: string }
  | { readonly failsClosed: true };

/** One row of the corpus. */
export interface ForgeryCase {
  readonly name: string;
  readonly why: string;
  build(kit: AttackKit): ForgeryRequest;
  readonly expect: ForgeryExpectation;
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const evil = (kit: AttackKit) => kit.token({ claims: { tenant: 'evil', roles: ['user'] } });
const acme = (kit: AttackKit) => kit.token({ claims: { tenant: 'acme', roles: ['admin'] } });
const json = { 'content-type': 'application/json' };
const NOT_HANDED = { failsClosed: true } as const;
const MISSING = { status: 401, code: 'missing_token' } as const;

/** The rows; SECURITY.md's attack table has one line for them. */
export const FORGERIES: readonly ForgeryCase[] = [
  // Controls: the routes work for the requests they are meant for.
  {
    name: 'control: body and request, token of tenant acme',
    why: 'a decorated method that is handed the request among its arguments works',
    build: (kit) => ({
      method: 'POST',
      path: '/handed/body-and-request/claims',
      headers: { ...json, ...bearer(acme(kit)) },
      body: { order: 1 },
    }),
    expect: { status: 200 },
  },
  {
    name: 'control: copied body, guard middleware, token of tenant acme',
    why: 'the guard judges the context jwtAuth concluded',
    build: (kit) => ({
      method: 'POST',
      path: '/copied/body/claims',
      headers: { ...json, ...bearer(acme(kit)) },
      body: {},
    }),
    expect: { status: 200 },
  },
  {
    name: 'control: forged context slot, token of an admin',
    why: 'the guard judges the token sent, whatever the slot holds',
    build: (kit) => ({ method: 'GET', path: '/forged-decorated/role', headers: bearer(acme(kit)) }),
    expect: { status: 200 },
  },
  // Request input handed to a decorated method instead of the request (issue 21's 201).
  {
    name: 'JSON body {"auth":{"payload":{"tenant":"acme"}}} handed to @RequireClaims, token of tenant evil',
    why: 'the body is not the request: the decorator cannot know the caller, so it fails closed',
    build: (kit) => ({
      method: 'POST',
      path: '/handed/body/claims',
      headers: { ...json, ...bearer(evil(kit)) },
      body: FORGED_BODY,
    }),
    expect: NOT_HANDED,
  },
  {
    name: 'JSON body {"auth":1} handed to @RequireClaims, no token',
    why: 'as above, anonymous',
    build: () => ({ method: 'POST', path: '/handed/body/claims', headers: json, body: { auth: 1 } }),
    expect: NOT_HANDED,
  },
  {
    name: 'JSON body handed to @RequireClaims, even with a token of tenant acme',
    why: 'a wiring error fails closed for every caller, so it is found before any attacker finds it',
    build: (kit) => ({
      method: 'POST',
      path: '/handed/body/claims',
      headers: { ...json, ...bearer(acme(kit)) },
      body: { order: 1 },
    }),
    expect: NOT_HANDED,
  },
  {
    name: '?auth=1 handed to @Authenticated, no token',
    why: 'the query object is not the request',
    build: () => ({ method: 'GET', path: '/handed/query/authenticated?auth=1', headers: {} }),
    expect: NOT_HANDED,
  },
  {
    name: 'path parameter named auth handed to @Authenticated, no token',
    why: 'the parameters object is not the request',
    build: () => ({ method: 'GET', path: '/handed/params/1/authenticated', headers: {} }),
    expect: NOT_HANDED,
  },
  {
    name: 'header "auth: 1" handed to @Authenticated, no token',
    why: 'the headers object is not the request',
    build: () => ({ method: 'GET', path: '/handed/headers/authenticated', headers: { auth: '1' } }),
    expect: NOT_HANDED,
  },
  {
    name: 'forged JSON body beside the request (@Body() then @Req()), token of tenant evil',
    why: 'the decorator finds the request and judges its token: tenant evil',
    build: (kit) => ({
      method: 'POST',
      path: '/handed/body-and-request/claims',
      headers: { ...json, ...bearer(evil(kit)) },
      body: FORGED_BODY,
    }),
    expect: { status: 403, code: 'insufficient_claims' },
  },
  {
    name: 'forged JSON body beside the request (@Body() then @Req()), no token',
    why: 'no token, no context, whatever the body says',
    build: () => ({
      method: 'POST',
      path: '/handed/body-and-request/claims',
      headers: json,
      body: FORGED_BODY,
    }),
    expect: MISSING,
  },
  // Request input copied by the app into the auth slot.
  {
    name: 'body.auth copied into the slot, then requireClaims, token of tenant evil',
    why: 'guards read what jwtAuth concluded, not the slot',
    build: (kit) => ({
      method: 'POST',
      path: '/copied/body/claims',
      headers: { ...json, ...bearer(evil(kit)) },
      body: FORGED_BODY,
    }),
    expect: { status: 403, code: 'insufficient_claims' },
  },
  {
    name: 'body.auth copied into the slot, then requireClaims, no token',
    why: 'no token, no context',
    build: () => ({ method: 'POST', path: '/copied/body/claims', headers: json, body: FORGED_BODY }),
    expect: MISSING,
  },
  {
    name: 'body.auth copied into the slot, then a decorated (req, res, next) handler, token of tenant evil',
    why: 'decorators read what jwtAuth concluded, not the slot',
    build: (kit) => ({
      method: 'POST',
      path: '/copied-decorated/body/claims',
      headers: { ...json, ...bearer(evil(kit)) },
      body: FORGED_BODY,
    }),
    expect: { status: 403, code: 'insufficient_claims' },
  },
  {
    name: 'body.auth copied into the slot, then a decorated handler, no token',
    why: 'no token, no context',
    build: () => ({
      method: 'POST',
      path: '/copied-decorated/body/claims',
      headers: json,
      body: FORGED_BODY,
    }),
    expect: MISSING,
  },
  {
    name: '?auth=1 copied into the slot, then requireAuth, no token',
    why: 'a truthy slot is not authentication',
    build: () => ({ method: 'GET', path: '/copied/query/authenticated?auth=1', headers: {} }),
    expect: MISSING,
  },
  {
    name: '?auth[payload][tenant]=acme (nested by qs) copied into the slot, then requireAuth, no token',
    why: 'query parsers that build objects build no context either',
    build: () => ({
      method: 'GET',
      path: '/copied/query/authenticated?auth[payload][tenant]=acme&auth[subject]=root',
      headers: {},
    }),
    expect: MISSING,
  },
  {
    name: 'path parameter copied into the slot, then requireAuth, no token',
    why: 'a truthy slot is not authentication',
    build: () => ({ method: 'GET', path: '/copied/params/1/authenticated', headers: {} }),
    expect: MISSING,
  },
  {
    name: 'header "auth: 1" copied into the slot, then a decorated handler, no token',
    why: 'a truthy slot is not authentication',
    build: () => ({ method: 'GET', path: '/copied-decorated/headers/authenticated', headers: { auth: '1' } }),
    expect: MISSING,
  },
  // A context forged by the app's own code.
  {
    name: 'context object forged by app code (real Sets, admin role), then requireRole, no token',
    why: 'only jwtAuth makes contexts guards trust',
    build: () => ({ method: 'GET', path: '/forged/role', headers: {} }),
    expect: MISSING,
  },
  {
    name: 'context object forged by app code, then @RequireRole, token of a user',
    why: 'the decorator judges the token sent: role user',
    build: (kit) => ({ method: 'GET', path: '/forged-decorated/role', headers: bearer(evil(kit)) }),
    expect: { status: 403, code: 'insufficient_role' },
  },
  {
    name: 'context object forged by app code, then requireRole, token of a user',
    why: 'the guard judges the token sent: role user',
    build: (kit) => ({ method: 'GET', path: '/forged/role', headers: bearer(evil(kit)) }),
    expect: { status: 403, code: 'insufficient_role' },
  },
];

/** What is wrong with `response` for `row` (empty when it matches). */
export function checkForgery(row: ForgeryCase, response: ForgeryResponse): string[] {
  const problems: string[] = [];
  const expected = row.expect;
  if ('failsClosed' in expected) {
    if (response.status !== 500) problems.push(`expected a closed failure (500), got ${response.status}`);
    if (response.ran !== 0) problems.push('the handler ran');
    const named = response.errors.some((m) =>
      /was not handed the \w+ request.*the handler did not run/s.test(m),
    );
    if (!named) problems.push(`no error naming the fix reached the app: ${JSON.stringify(response.errors)}`);
    return problems;
  }
  if (response.status !== expected.status)
    problems.push(`expected ${expected.status}, got ${response.status}`);
  if ('code' in expected && response.code !== expected.code) {
    problems.push(`expected code ${expected.code}, got ${response.code}`);
  }
  if (expected.status === 200 && response.ran !== 1) problems.push(`the handler ran ${response.ran} times`);
  if (expected.status !== 200 && response.ran !== 0) problems.push('a refusal ran the handler');
  if (response.errors.length > 0) problems.push(`unexpected errors: ${JSON.stringify(response.errors)}`);
  return problems;
}

/** Registers the corpus for one adapter's forgery app. */
export function describeForgeries(
  title: string,
  kit: () => AttackKit,
  start: (kit: AttackKit) => ForgeryApp,
): void {
  describe(title, () => {
    for (const row of FORGERIES) {
      it(row.name, async () => {
        const app = start(kit());
        try {
          const response = await app.send(row.build(kit()));
          expect(checkForgery(row, response)).toEqual([]);
        } finally {
          await app.close();
        }
      });
    }
  });
}

/** What an app records while it answers one request. */
export interface ForgeryProbe {
  /** Handler runs. */
  ran: number;
  /** Messages of non-`AuthError` errors that reached the app's error path. */
  errors: string[];
}

function codeOf(text: string): string | undefined {
  try {
    const code = (JSON.parse(text) as { code?: unknown }).code;
    return typeof code === 'string' ? code : undefined;
  } catch {
    return undefined;
  }
}

/** A forgery app served as a Node request listener (Express `app`, Koa `app.callback()`, …). */
export function listenerApp(make: (probe: ForgeryProbe) => RequestListener): ForgeryApp {
  const probe: ForgeryProbe = { ran: 0, errors: [] };
  const listener = make(probe);
  return {
    async send(input) {
      probe.ran = 0;
      probe.errors = [];
      let pending = request(listener)
        [input.method === 'GET' ? 'get' : 'post'](input.path)
        .set({ ...input.headers });
      if (input.body !== undefined) pending = pending.send(JSON.stringify(input.body));
      const response = await pending;
      return { status: response.status, code: codeOf(response.text), ran: probe.ran, errors: probe.errors };
    },
    close: async () => {},
  };
}

/** A forgery app served by a Fetch handler (Hono's `app.fetch`, as on Workers). */
export function fetchApp(
  make: (probe: ForgeryProbe) => (request: Request) => Response | Promise<Response>,
): ForgeryApp {
  const probe: ForgeryProbe = { ran: 0, errors: [] };
  const handle = make(probe);
  return {
    async send(input) {
      probe.ran = 0;
      probe.errors = [];
      const response = await handle(
        new Request(`http://127.0.0.1${input.path}`, {
          method: input.method,
          headers: input.headers,
          body: input.body === undefined ? undefined : JSON.stringify(input.body),
        }),
      );
      const text = await response.text();
      return { status: response.status, code: codeOf(text), ran: probe.ran, errors: probe.errors };
    },
    close: async () => {},
  };
}
