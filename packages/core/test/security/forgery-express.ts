/**
 * The Express app of the forgery corpus (forgery.ts), on the adapter's sources: decorated methods
 * handed request input instead of the request, input copied into `req.auth`, and a context
 * forged by app code. Run by forgery.test.ts (Express 5) and by
 * packages/conformance/test/security.test.ts (Express 4).
 */
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import {
  Authenticated,
  authErrorHandler,
  type ExpressAuthOptions,
  jwtAuth,
  RequireClaims,
  RequireRole,
  requireAuth,
  requireClaims,
  requireRole,
} from '../../../express/src/index.js';
import { type ForgeryApp, forgedContext, listenerApp } from './forgery.js';
import type { AttackKit } from './kit.js';

/** The Express forgery app (routes: see `ForgeryApp`). */
export function expressForgeryApp(createApp: () => express.Express): (kit: AttackKit) => ForgeryApp {
  return (kit) =>
    listenerApp((probe) => {
      const done = (_req: Request, res: Response): void => {
        probe.ran++;
        res.json({ ran: true });
      };
      class Controller {
        @RequireClaims({ tenant: 'acme' }) claims(_input: unknown, _req?: Request) {
          probe.ran++;
          return { ran: true };
        }
        @Authenticated() authenticated(_input: unknown) {
          probe.ran++;
          return { ran: true };
        }
        @RequireClaims({ tenant: 'acme' }) claimsNative(req: Request, res: Response, _next: NextFunction) {
          done(req, res);
        }
        @Authenticated() authenticatedNative(req: Request, res: Response, _next: NextFunction) {
          done(req, res);
        }
        @RequireRole('admin') roleNative(req: Request, res: Response, _next: NextFunction) {
          done(req, res);
        }
      }
      const c = new Controller();
      const copy =
        (from: (req: Request) => unknown): RequestHandler =>
        (req, _res, next) => {
          req.auth = from(req) as Request['auth'];
          next();
        };
      const app = createApp();
      app.use(express.json());
      app.use(jwtAuth({ ...kit.options, credentialsRequired: false } as unknown as ExpressAuthOptions));
      app.post('/handed/body/claims', (req, res) => res.json(c.claims(req.body)));
      app.get('/handed/query/authenticated', (req, res) => res.json(c.authenticated(req.query)));
      app.get('/handed/params/:auth/authenticated', (req, res) => res.json(c.authenticated(req.params)));
      app.get('/handed/headers/authenticated', (req, res) => res.json(c.authenticated(req.headers)));
      app.post('/handed/body-and-request/claims', (req, res) => res.json(c.claims(req.body, req)));
      app.post(
        '/copied/body/claims',
        copy((r) => r.body?.auth),
        requireClaims({ tenant: 'acme' }),
        done,
      );
      app.post(
        '/copied-decorated/body/claims',
        copy((r) => r.body?.auth),
        (req, res, next) => c.claimsNative(req, res, next),
      );
      app.get(
        '/copied/query/authenticated',
        copy((r) => r.query.auth),
        requireAuth(),
        done,
      );
      app.get(
        '/copied/params/:auth/authenticated',
        copy((r) => r.params.auth),
        requireAuth(),
        done,
      );
      app.get(
        '/copied-decorated/headers/authenticated',
        copy((r) => r.headers.auth),
        (req, res, next) => c.authenticatedNative(req, res, next),
      );
      app.get('/forged/role', copy(forgedContext), requireRole('admin'), done);
      app.get('/forged-decorated/role', copy(forgedContext), (req, res, next) =>
        c.roleNative(req, res, next),
      );
      app.use(authErrorHandler());
      app.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
        probe.errors.push(error instanceof Error ? error.message : String(error));
        res.status(500).json({ error: 'internal' });
      });
      return app;
    });
}
