/**
 * The conformance table as tests: every case of cases.ts, on each driver given. Used by
 * conformance.test.ts (the middleware adapters) and nestjs-conformance.test.ts (NestJS, whose
 * drivers are compiled with legacy decorators, apart).
 */
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { baseOptions, CASES, type Case, type CaseEnv } from './cases.js';
import { createFixtures, type Fixtures } from './fixtures.js';
import { type CaseRequest, type CaseResponse, type Driver, INNER } from './routes.js';

let fixtures: Fixtures;
beforeAll(async () => {
  fixtures = await createFixtures();
});

/** Each guard case runs twice: as middleware and as a decorated class method. */
function expand(cases: readonly Case[]): { name: string; path: string; case: Case }[] {
  return cases.flatMap((c) => {
    if (c.route === '/me') return [{ name: c.name, path: '/me', case: c }];
    if (c.route === undefined) return [{ name: c.name, path: '', case: c }];
    const guard = c.route.guard;
    return [
      { name: `${c.name} [middleware]`, path: `/guard/${guard}`, case: c },
      { name: `${c.name} [decorator]`, path: `/decorated/${guard}`, case: c },
    ];
  });
}

function sentTokens(request: CaseRequest): string[] {
  const values = Object.values(request.headers ?? {}).flat();
  const fromPath = /access_token=([^&]+)/.exec(request.path ?? '')?.[1];
  return [...values, ...(fromPath ? [fromPath] : [])]
    .flatMap((v) => v.split(/[\s,;=]+/))
    .filter((v) => v.length > 40);
}

function assertResponse(c: Case, response: CaseResponse, request: CaseRequest, driver: Driver): void {
  if (c.unrouted && driver.routesOnly) {
    expect(response.status, response.text).toBe(404);
    expect(response.headers['www-authenticate']).toBeUndefined();
    return;
  }
  const { expect: want } = c;
  expect(response.status, response.text).toBe(want.status);
  const challenge = response.headers['www-authenticate'];
  if (want.challenge === undefined) {
    expect(challenge).toBeUndefined();
  } else {
    const description = response.body?.error_description;
    expect(typeof description).toBe('string');
    // RFC 6750 §3: error_description is a quoted string without `"` or `\`.
    const quoted = `"${description.replace(/[^\x20\x21\x23-\x5b\x5d-\x7e]/g, '')}"`;
    expect(challenge).toBe(want.challenge.replace('{desc}', quoted));
  }
  if (want.code !== undefined) {
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    expect(response.body).toMatchObject({ code: want.code });
    expect(response.body.reason).toBe(want.reason);
    expect(response.body.error).toBe(
      want.code === 'missing_token'
        ? 'unauthorized'
        : want.status === 503
          ? 'temporarily_unavailable'
          : (/error="([^"]+)"/.exec(challenge ?? '')?.[1] ?? ''),
    );
  }
  if (want.text !== undefined) expect(response.text).toBe(want.text);
  if (want.body !== undefined) expect(response.body).toEqual(want.body);
  else if (want.status === 200 && want.text === undefined) {
    if (want.auth === null) expect(response.body.auth).toBeNull();
    else if (want.auth !== undefined) expect(response.body.auth).toMatchObject(want.auth);
    expect(response.body.authError).toEqual(want.authError ? { reason: undefined, ...want.authError } : null);
  }
  for (const token of sentTokens(request)) {
    expect(response.text.includes(token), 'the response echoes the token').toBe(false);
    expect(challenge?.includes(token) ?? false, 'the challenge echoes the token').toBe(false);
  }
}

/** Registers the whole table for each of `drivers` (one `describe` per driver). */
export function describeConformance(drivers: readonly Driver[]): void {
  describe.each(drivers)('conformance: $name', (driver) => {
    it.each(expand(CASES))('$name', async ({ case: c, path }) => {
      const env: CaseEnv = { f: fixtures, driver, events: [], state: {}, path };
      await c.setup?.(env);
      const options = (c.options ?? baseOptions)(env);
      const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
      const error = vi.spyOn(console, 'error').mockImplementation(() => {});
      const inner = c.inner?.(env);
      const target = await driver.start(options, inner);
      try {
        // With `inner` options, the case's route is the one behind the second jwtAuth.
        const prefix = inner ? INNER : '';
        const send = (request: CaseRequest) => {
          const own = request.path ?? '/';
          const full = path
            ? prefix + path + own.replace(/^\/(?=\?|$)/, '')
            : inner
              ? prefix + own
              : request.path;
          return target.send({ ...request, path: full });
        };
        if (c.before) await c.before(env, send);
        const request = await c.request(env);
        const response = await send(request);
        assertResponse(c, response, request, driver);
        c.check?.(env, response);
      } finally {
        await c.teardown?.(env);
        await target.close();
        warn.mockRestore();
        error.mockRestore();
      }
    });
  });
}
