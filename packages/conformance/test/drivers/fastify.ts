import { createServer, type RequestListener } from 'node:http';
import * as adapter from '@tokengate/fastify';
import {
  Authenticated,
  getAuth,
  isAuthError,
  jwtAuth,
  protectedResourceMetadata,
  RequireAnyRole,
  RequireAnyScope,
  RequireClaims,
  RequireRole,
  RequireScope,
  tokengate,
} from '@tokengate/fastify';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
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
  type Target,
} from '../routes.js';

const answer = async (request: FastifyRequest) => summarize(request.auth, request.authError);

class Controller {
  @Authenticated() async authenticated(request: FastifyRequest, _reply: FastifyReply) {
    return answer(request);
  }
  @RequireScope(...GUARDS.scope.args) async scope(request: FastifyRequest, _reply: FastifyReply) {
    return answer(request);
  }
  @RequireAnyScope(...GUARDS.anyScope.args) async anyScope(request: FastifyRequest, _reply: FastifyReply) {
    return answer(request);
  }
  @RequireRole(...GUARDS.role.args) async role(request: FastifyRequest, _reply: FastifyReply) {
    return answer(request);
  }
  @RequireAnyRole(...GUARDS.anyRole.args) async anyRole(request: FastifyRequest, _reply: FastifyReply) {
    return answer(request);
  }
  @RequireClaims(...GUARDS.claimsPartial.args) async claimsPartial(
    request: FastifyRequest,
    _reply: FastifyReply,
  ) {
    return answer(request);
  }
  @RequireClaims(...GUARDS.claimsPredicate.args) async claimsPredicate(
    request: FastifyRequest,
    _reply: FastifyReply,
  ) {
    return answer(request);
  }
}

/**
 * A Node request listener for a Fastify app (for `createServer`, supertest): requests wait for
 * `app.ready()`, then go through `app.routing`, Fastify's own request handler.
 */
export function fastifyListener(app: FastifyInstance): RequestListener {
  const ready = app.ready();
  return (req, res) => {
    ready.then(
      () => app.routing(req, res),
      (error: unknown) => res.writeHead(500).end(String(error)),
    );
  };
}

/** The routes of the table, on `app` (the root, or the encapsulated `/inner` context). */
function mount(app: FastifyInstance): void {
  const controller = new Controller();
  app.all('/', answer);
  app.all('/me', async (request) => summarize(getAuth(request), undefined));
  for (const name of GUARD_NAMES) {
    app.all(
      `/guard/${name}`,
      { preHandler: guardMiddleware<adapter.GuardMiddleware>(adapter, name) },
      answer,
    );
    app.all(`/decorated/${name}`, (request, reply) => controller[name as GuardName](request, reply));
  }
}

/**
 * The Fastify 5 driver: the `tokengate` plugin at the root, the table's routes, and a second
 * `jwtAuth(inner)` as an `onRequest` hook of an encapsulated `/inner` context. `errorHandler`
 * `'app'` gives the app a `setErrorHandler` of its own that renders refusals from what the error
 * carries (`statusCode`, `headers`, `code`…); the driver then also checks that every refusal
 * reached it. `'default'` leaves Fastify's default handler in place. `createApp` makes the app
 * (Fastify 5 by default; Fastify 4 is installed under the alias `fastify4`).
 */
export function fastifyDriver(
  name: string,
  errorHandler: 'default' | 'app',
  createApp: () => FastifyInstance = () => Fastify(),
): Driver {
  return {
    name,
    readHeader: (raw, header) => {
      const value = (raw as FastifyRequest).headers[header];
      return Array.isArray(value) ? value.join(', ') : value;
    },
    isNative: (raw) =>
      typeof (raw as FastifyRequest).server === 'object' &&
      typeof (raw as FastifyRequest).raw === 'object' &&
      typeof (raw as FastifyRequest).routeOptions === 'object',
    async start(options, inner): Promise<Target> {
      const app = createApp();
      if (errorHandler === 'app') {
        app.setErrorHandler((error, _request, reply) => {
          if (!isAuthError(error)) return reply.send(error);
          return reply
            .code(error.statusCode)
            .headers({ ...error.headers, 'x-error-handler': 'app' })
            .send(error.toJSON());
        });
      }
      if (options.resource !== undefined) app.addHook('onRequest', protectedResourceMetadata(options));
      await app.register(tokengate, options);
      app.all('/mutate', async (request) => {
        mutate(request.auth);
        return answer(request);
      });
      if (inner) {
        await app.register(
          async (scope) => {
            scope.addHook('onRequest', jwtAuth(inner));
            mount(scope);
          },
          { prefix: INNER },
        );
      }
      mount(app);
      await app.ready();
      const target = await listen(createServer(fastifyListener(app)));
      if (errorHandler === 'default') return target;
      return {
        close: target.close,
        async send(spec) {
          const response = await target.send(spec);
          // Every refusal (a 500 is the app's own bug: a throwing secret function; a 404 is
          // Fastify's not-found handler, for a request tokengate let through).
          if (
            response.status >= 400 &&
            response.status !== 500 &&
            response.status !== 404 &&
            response.headers['x-error-handler'] !== 'app'
          ) {
            throw new Error(`a ${response.status} did not go through the app's setErrorHandler`);
          }
          return response;
        },
      };
    },
  };
}
