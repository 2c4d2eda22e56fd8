import { createServer } from 'node:http';
import * as adapter from '@tokengate/koa';
import {
  Authenticated,
  authErrorHandler,
  getAuth,
  jwtAuth,
  protectedResourceMetadata,
  RequireAnyRole,
  RequireAnyScope,
  RequireClaims,
  RequireRole,
  RequireScope,
} from '@tokengate/koa';
import type Koa from 'koa';
import type { Context, Middleware, Next } from 'koa';
import { listen } from '../http.js';
import {
  type Driver,
  GUARD_NAMES,
  GUARDS,
  type GuardName,
  guardMiddleware,
  INNER,
  mutate,
  summarize,
} from '../routes.js';

const answer = (ctx: Context): void => {
  ctx.body = summarize(ctx.state.auth, ctx.state.authError);
};

class Controller {
  @Authenticated() async authenticated(ctx: Context, _next: Next) {
    answer(ctx);
  }
  @RequireScope(...GUARDS.scope.args) async scope(ctx: Context, _next: Next) {
    answer(ctx);
  }
  @RequireAnyScope(...GUARDS.anyScope.args) async anyScope(ctx: Context, _next: Next) {
    answer(ctx);
  }
  @RequireRole(...GUARDS.role.args) async role(ctx: Context, _next: Next) {
    answer(ctx);
  }
  @RequireAnyRole(...GUARDS.anyRole.args) async anyRole(ctx: Context, _next: Next) {
    answer(ctx);
  }
  @RequireClaims(...GUARDS.claimsPartial.args) async claimsPartial(ctx: Context, _next: Next) {
    answer(ctx);
  }
  @RequireClaims(...GUARDS.claimsPredicate.args) async claimsPredicate(ctx: Context, _next: Next) {
    answer(ctx);
  }
}

/** The Koa driver, for any Koa class with Koa 3's middleware API (Koa 2 too). */
export function koaDriver(name: string, KoaClass: typeof Koa): Driver {
  return {
    name,
    readHeader: (raw, header) => (raw as Context).get(header) || undefined,
    isNative: (raw) => typeof (raw as Context).state === 'object' && typeof (raw as Context).app === 'object',
    async start(options, inner) {
      const app = new KoaClass();
      app.silent = true;
      const controller = new Controller();
      const guards = new Map(GUARD_NAMES.map((g) => [g, guardMiddleware<Middleware>(adapter, g)]));
      const route = async (ctx: Context, path: string, next: Next) => {
        const [, kind, guard] = path.split('/') as [string, string, GuardName];
        if (path === '/') answer(ctx);
        else if (path === '/me') ctx.body = summarize(getAuth(ctx), undefined);
        else if (kind === 'guard' && guards.has(guard))
          await guards.get(guard)!(ctx, async () => answer(ctx));
        else if (kind === 'decorated' && guards.has(guard)) await controller[guard](ctx, next);
      };
      const innerAuth = inner && jwtAuth(inner);
      app.use(authErrorHandler());
      if (options.resource !== undefined) app.use(protectedResourceMetadata(options));
      app.use(jwtAuth(options));
      app.use(async (ctx, next) => {
        if (ctx.path === '/mutate') {
          mutate(ctx.state.auth);
          answer(ctx);
        } else if (innerAuth && ctx.path.startsWith(`${INNER}/`)) {
          await innerAuth(ctx, () => route(ctx, ctx.path.slice(INNER.length), next));
        } else await route(ctx, ctx.path, next);
      });
      return listen(createServer(app.callback()));
    },
  };
}
