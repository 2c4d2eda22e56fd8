import { createServer } from 'node:http';
import * as adapter from '@tokengate/express';
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
} from '@tokengate/express';
import type express from 'express';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
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

const answer = (req: Request, res: Response): void => {
  res.json(summarize(req.auth, req.authError));
};

class Controller {
  @Authenticated() authenticated(req: Request, res: Response, _next: NextFunction) {
    answer(req, res);
  }
  @RequireScope(...GUARDS.scope.args) scope(req: Request, res: Response, _next: NextFunction) {
    answer(req, res);
  }
  @RequireAnyScope(...GUARDS.anyScope.args) anyScope(req: Request, res: Response, _next: NextFunction) {
    answer(req, res);
  }
  @RequireRole(...GUARDS.role.args) role(req: Request, res: Response, _next: NextFunction) {
    answer(req, res);
  }
  @RequireAnyRole(...GUARDS.anyRole.args) anyRole(req: Request, res: Response, _next: NextFunction) {
    answer(req, res);
  }
  @RequireClaims(...GUARDS.claimsPartial.args) claimsPartial(
    req: Request,
    res: Response,
    _next: NextFunction,
  ) {
    answer(req, res);
  }
  @RequireClaims(...GUARDS.claimsPredicate.args) claimsPredicate(
    req: Request,
    res: Response,
    _next: NextFunction,
  ) {
    answer(req, res);
  }
}

/** A driver for an Express major (5, or 4 installed under the alias `express4`). */
export function expressDriver(name: string, createApp: () => ReturnType<typeof express>): Driver {
  return {
    name,
    readHeader: (raw, header) => (raw as Request).get(header),
    isNative: (raw) => typeof (raw as Request).get === 'function' && typeof (raw as Request).res === 'object',
    async start(options, inner) {
      const app = createApp();
      const controller = new Controller();
      if (options.resource !== undefined) app.use(protectedResourceMetadata(options));
      const mount = (prefix: string) => {
        app.all(`${prefix}/`, answer);
        app.all(`${prefix}/me`, (req, res) => {
          const auth = getAuth(req);
          res.json(summarize(auth, undefined));
        });
        for (const name of GUARD_NAMES) {
          app.all(`${prefix}/guard/${name}`, guardMiddleware<RequestHandler>(adapter, name), answer);
          app.all(`${prefix}/decorated/${name}`, (req, res, next) =>
            controller[name as GuardName](req, res, next),
          );
        }
      };
      app.use(jwtAuth(options));
      app.all('/mutate', (req, res) => {
        mutate(req.auth);
        answer(req, res);
      });
      if (inner) {
        app.use(INNER, jwtAuth(inner));
        mount(INNER);
      }
      mount('');
      app.use(authErrorHandler());
      return listen(createServer(app));
    },
  };
}
