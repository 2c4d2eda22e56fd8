// NestJS cells of the HTTP benchmark (bench/http.mjs): the same Nest 12 app on platform-express,
// bare, behind @tokengate/nestjs's global guard, and behind @nestjs/passport + passport-jwt as
// Nest's documentation sets it up (a global AuthGuard('jwt') over a JwtStrategy). Plain JavaScript,
// so Nest's decorators are applied by calls (what TypeScript's legacy decorators compile to).
import 'reflect-metadata';
import { AUDIENCE, ISSUER, loadTokengate } from './common.mjs';

const common = await import('@nestjs/common');
const core = await import('@nestjs/core');

/** A controller answering `GET /` with `{ ok, sub }`; `param` injects what `sub` reads. */
function controller(param, sub) {
  class AppController {
    get(value) {
      return { ok: true, sub: sub(value) };
    }
  }
  common.Controller()(AppController);
  const descriptor = Object.getOwnPropertyDescriptor(AppController.prototype, 'get');
  param(AppController.prototype, 'get', 0);
  common.Get()(AppController.prototype, 'get', descriptor);
  return AppController;
}

/** Per-middleware factories, as in server.mjs: `{ mw: { imports, providers, param, sub } }`. */
export const NEST_MIDDLEWARES = {
  bare: async () => ({ mw: { imports: [], providers: [], param: common.Req(), sub: () => 'anonymous' } }),
  tokengate: async ({ tokengateOptions }) => {
    const tg = await loadTokengate('nestjs');
    return {
      mw: {
        imports: [tg.mod.TokengateModule.forRoot(tokengateOptions)],
        providers: [],
        param: tg.mod.Auth(),
        sub: (auth) => auth.claims.sub,
      },
    };
  },
  // The same, the handler reading `req.auth` (@Req()) instead of @Auth(): the param decorator's share.
  'tokengate (@Req)': async ({ tokengateOptions }) => {
    const tg = await loadTokengate('nestjs');
    return {
      mw: {
        imports: [tg.mod.TokengateModule.forRoot(tokengateOptions)],
        providers: [],
        param: common.Req(),
        sub: (req) => req.auth.claims.sub,
      },
    };
  },
  // Nest's own cost of a global guard (one that lets everything through), for reference.
  'noop guard': async () => ({
    mw: {
      imports: [],
      providers: [{ provide: core.APP_GUARD, useValue: { canActivate: () => true } }],
      param: common.Req(),
      sub: () => 'anonymous',
    },
  }),
  '@nestjs/passport': async ({ alg, key }) => {
    const { AuthGuard, PassportModule, PassportStrategy } = await import('@nestjs/passport');
    const { ExtractJwt, Strategy } = await import('passport-jwt');
    class JwtStrategy extends PassportStrategy(Strategy) {
      constructor() {
        super({
          jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
          secretOrKey: alg === 'HS256' ? key.secret : key.publicPem,
          algorithms: [alg],
          issuer: ISSUER,
          audience: AUDIENCE,
        });
      }
      validate(payload) {
        return payload;
      }
    }
    common.Injectable()(JwtStrategy);
    return {
      mw: {
        imports: [PassportModule],
        providers: [JwtStrategy, { provide: core.APP_GUARD, useClass: AuthGuard('jwt') }],
        param: common.Req(),
        sub: (req) => req.user.sub,
      },
    };
  },
};

/** Starts the Nest app of one cell on 127.0.0.1 (random port); returns the port. */
export async function startNest({ mw }) {
  class AppModule {}
  common.Module({
    imports: mw.imports,
    providers: mw.providers,
    controllers: [controller(mw.param, mw.sub)],
  })(AppModule);
  const app = await core.NestFactory.create(AppModule, { logger: false });
  await app.listen(0, '127.0.0.1');
  return app.getHttpServer().address().port;
}
