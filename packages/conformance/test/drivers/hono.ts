import { createServer } from 'node:http';
import { getRequestListener } from '@hono/node-server';
import * as adapter from '@tokengate/hono';
import {
  Authenticated,
  getAuth,
  jwtAuth,
  protectedResourceMetadata,
  RequireAnyRole,
  RequireAnyScope,
  RequireClaims,
  RequireRole,
  RequireScope,
} from '@tokengate/hono';
import { type Context, Hono, type MiddlewareHandler } from 'hono';
import { listen } from '../http.js';
import {
  type CaseResponse,
  type Driver,
  GUARD_NAMES,
  GUARDS,
  type GuardName,
  guardMiddleware,
  INNER,
  mutate,
  summarize,
} from '../routes.js';

const answer = (c: Context) => c.json(summarize(c.get('auth'), c.get('authError')));

class Controller {
  @Authenticated() authenticated(c: Context) {
    return answer(c);
  }
  @RequireScope(...GUARDS.scope.args) scope(c: Context) {
    return answer(c);
  }
  @RequireAnyScope(...GUARDS.anyScope.args) anyScope(c: Context) {
    return answer(c);
  }
  @RequireRole(...GUARDS.role.args) role(c: Context) {
    return answer(c);
  }
  @RequireAnyRole(...GUARDS.anyRole.args) anyRole(c: Context) {
    return answer(c);
  }
  @RequireClaims(...GUARDS.claimsPartial.args) claimsPartial(c: Context) {
    return answer(c);
  }
  @RequireClaims(...GUARDS.claimsPredicate.args) claimsPredicate(c: Context) {
    return answer(c);
  }
}

function buildApp(options: Parameters<Driver['start']>[0], inner: Parameters<Driver['start']>[1]): Hono {
  const app = new Hono();
  const controller = new Controller();
  if (options.resource !== undefined) app.use('*', protectedResourceMetadata(options));
  const mount = (prefix: string) => {
    app.all(`${prefix}/`, answer);
    app.all(`${prefix}/me`, (c) => c.json(summarize(getAuth(c), undefined)));
    for (const name of GUARD_NAMES) {
      app.all(`${prefix}/guard/${name}`, guardMiddleware<MiddlewareHandler>(adapter, name), answer);
      app.all(`${prefix}/decorated/${name}`, (c) => controller[name as GuardName](c));
    }
  };
  app.use('*', jwtAuth(options));
  app.all('/mutate', (c: Context) => {
    mutate(c.get('auth'));
    return answer(c);
  });
  if (inner) {
    app.use(`${INNER}/*`, jwtAuth(inner));
    mount(INNER);
  }
  mount('');
  return app;
}

const base = {
  readHeader: (raw: unknown, name: string) => (raw as Context).req.header(name),
  isNative: (raw: unknown) => (raw as Context).req?.raw instanceof Request,
};

/** Hono on @hono/node-server: a real server, real raw header lines. */
export const honoNodeDriver: Driver = {
  name: 'hono (node-server)',
  ...base,
  start: async (options, inner) => listen(createServer(getRequestListener(buildApp(options, inner).fetch))),
};

/** Hono through `app.request()` only: the Fetch API path, as on Bun, Deno or Workers. */
/**
 * Hono through `app.request()` only, as on a Fetch-only runtime, and with the WebCrypto
 * signature backend: the whole table also covers the path Workers, Deno and Bun take.
 */
export const honoFetchDriver: Driver = {
  name: 'hono (app.request, WebCrypto)',
  ...base,
  async start(options, inner) {
    const app = buildApp({ ...options, crypto: 'webcrypto' }, inner && { ...inner, crypto: 'webcrypto' });
    return {
      async send(spec): Promise<CaseResponse> {
        const headers = new Headers();
        for (const [name, value] of Object.entries(spec.headers ?? {})) {
          for (const line of Array.isArray(value) ? value : [value]) headers.append(name, line);
        }
        const res = await app.request(spec.path ?? '/', { method: spec.method ?? 'GET', headers });
        const text = await res.text();
        let body: unknown;
        try {
          body = text ? JSON.parse(text) : undefined;
        } catch {
          body = undefined;
        }
        const responseHeaders: Record<string, string> = {};
        res.headers.forEach((value, name) => {
          responseHeaders[name] = value;
        });
        return { status: res.status, headers: responseHeaders, body, text };
      },
      close: async () => {},
    };
  },
};
