import { describe, expect, it } from 'vitest';
import type { AuthContext } from '../../src/context/types.js';
import { type AuthError, isAuthError } from '../../src/errors/auth-error.js';
import { guardDecorator } from '../../src/policy/decorators.js';
import { requireAuth, requireClaims, requireRole, requireScope } from '../../src/policy/guards.js';
import { attachOutcome, type ChallengeSettings } from '../../src/request/outcome.js';

// TC39 decorator metadata (TypeScript emits `context.metadata` when `Symbol.metadata` exists).
(Symbol as { metadata?: symbol }).metadata ??= Symbol.for('Symbol.metadata');

/**
 * A framework-free handler shape: `(request, tag)`; refusals are returned as `{ refused }`. Only
 * instances of `FakeRequest` are the framework's requests, as only Express makes `req`.
 */
class FakeRequest {
  auth?: unknown;
}
const binding = {
  framework: 'Fake',
  shape: '(request, tag)',
  requestOf: (value: unknown) => (value instanceof FakeRequest ? value : undefined),
  fail: (error: AuthError, _request: object, args: unknown[]) => ({ refused: error, tag: args[1] }),
};

const PLAIN: ChallengeSettings = { realm: undefined, resourceMetadata: undefined };

function context(
  scopes: string[],
  roles: string[] = [],
  payload: Record<string, unknown> = {},
): AuthContext<any> {
  return {
    token: 't',
    header: { alg: 'HS256' },
    claims: payload,
    payload,
    subject: 'alice',
    issuer: undefined,
    scopes: new Set(scopes),
    roles: new Set(roles),
    expiresAt: undefined,
    tokenType: 'jwt',
    binding: 'bearer',
    jkt: undefined,
  };
}

/** A request `authenticate` concluded `auth` about. */
function authed(auth: AuthContext<any> | undefined, challenge = PLAIN): FakeRequest {
  const request = new FakeRequest();
  attachOutcome(request, auth, undefined, challenge);
  return request;
}

let ran = 0;

class Orders {
  prefix = 'orders';
  @guardDecorator(requireScope('orders:read'), binding)
  list(req: FakeRequest, tag: string) {
    ran++;
    return { ok: `${this.prefix}:${tag}:${(req.auth as AuthContext<any> | undefined)?.subject}` };
  }
  @guardDecorator(requireAuth(), binding)
  @guardDecorator(requireRole('admin'), binding)
  remove(_req: FakeRequest, tag: string) {
    ran++;
    return { ok: tag };
  }
  /** NestJS style: `create(@Body() body, @Req() req)`. */
  @guardDecorator(requireClaims({ tenant: 'acme' }), binding)
  create(body: unknown, _req?: FakeRequest) {
    ran++;
    return { created: body };
  }
}

type Refusal = { refused: AuthError; tag: string };

describe('guardDecorator (TC39 standard decorators)', () => {
  const orders = new Orders();

  it('calls the method with its this and arguments when the guard passes', () => {
    const req = authed(context(['orders:read']));
    req.auth = context(['orders:read']);
    expect(orders.list(req, 'a')).toEqual({ ok: 'orders:a:alice' });
  });

  it('answers 403 through fail() when the guard refuses, without calling the method', () => {
    const before = ran;
    const result = orders.list(authed(context(['profile'])), 'b') as unknown as Refusal;
    expect(isAuthError(result.refused)).toBe(true);
    expect(result.refused.status).toBe(403);
    expect(result.refused.code).toBe('insufficient_scope');
    expect(result.refused.headers['WWW-Authenticate']).toContain('scope="orders:read"');
    expect(result.tag).toBe('b');
    expect(ran).toBe(before);
  });

  it('answers 401 when no jwtAuth looked at the request', () => {
    const result = orders.list(new FakeRequest(), 'c') as unknown as Refusal;
    expect(result.refused.status).toBe(401);
    expect(result.refused.code).toBe('missing_token');
  });

  it('never reads an auth member: a forged or copied req.auth is no context (401)', () => {
    const before = ran;
    const forged = new FakeRequest();
    forged.auth = context(['orders:read'], ['admin']);
    expect((orders.list(forged, 'd') as unknown as Refusal).refused.code).toBe('missing_token');
    // jwtAuth let the request through without a context; the app then copied something in.
    const anonymous = authed(undefined);
    anonymous.auth = { scopes: new Set(['orders:read']), roles: new Set(['admin']) };
    expect((orders.remove(anonymous, 'e') as unknown as Refusal).refused.code).toBe('missing_token');
    expect(ran).toBe(before);
  });

  it('announces the realm and resource_metadata of the jwtAuth that looked at the request', () => {
    const challenge = { realm: 'orders', resourceMetadata: 'https://api.example.com/.well-known/x' };
    const denied = orders.list(authed(context([]), challenge), 'f') as unknown as Refusal;
    expect(denied.refused.headers['WWW-Authenticate']).toBe(
      'Bearer realm="orders", error="insufficient_scope", error_description="token lacks a required scope", scope="orders:read", resource_metadata="https://api.example.com/.well-known/x"',
    );
    const anonymous = orders.list(authed(undefined, challenge), 'g') as unknown as Refusal;
    expect(anonymous.refused.headers['WWW-Authenticate']).toBe(
      'Bearer realm="orders", resource_metadata="https://api.example.com/.well-known/x"',
    );
  });

  it('finds the request in any position (a NestJS @Req() after @Body())', () => {
    const body = { auth: { payload: { tenant: 'acme' } } };
    expect(orders.create(body, authed(context([], [], { tenant: 'acme' })))).toEqual({ created: body });
    const evil = orders.create(body, authed(context([], [], { tenant: 'evil' }))) as unknown as Refusal;
    expect(evil.refused.code).toBe('insufficient_claims');
  });

  it('fails closed, naming the fix, when handed no request at all (request input instead)', () => {
    const before = ran;
    const lookAlikes: unknown[][] = [
      [{ auth: { payload: { tenant: 'acme' } } }], // a JSON body
      [{ auth: '1' }], // a query or params object
      ['42'], // @Param('id')
      [],
    ];
    for (const args of lookAlikes) {
      expect(() => (orders.create as (...a: unknown[]) => unknown)(...args)).toThrow(TypeError);
    }
    expect(() => orders.create({ auth: 1 })).toThrow(
      /@RequireClaims\(\) on Orders\.create\(\) was not handed the Fake request \(got a plain object\).*\(request, tag\).*@tokengate\/nestjs.*@Req\(\)/,
    );
    expect(ran).toBe(before);
  });

  it('stacks: the outer guard runs first', () => {
    expect((orders.remove(new FakeRequest(), 'd') as unknown as Refusal).refused.code).toBe('missing_token');
    const user = orders.remove(authed(context([], ['user'])), 'e') as unknown as Refusal;
    expect(user.refused.code).toBe('insufficient_role');
    expect(orders.remove(authed(context([], ['admin'])), 'f')).toEqual({ ok: 'f' });
  });

  it('keeps the method name and length', () => {
    expect(Orders.prototype.list.name).toBe('list');
    expect(Orders.prototype.list.length).toBe(2);
  });

  it('refuses anything but a method', () => {
    const decorator = guardDecorator(requireAuth(), binding);
    const field = { kind: 'field', name: 'x' } as unknown as ClassMethodDecoratorContext;
    expect(() => decorator(() => 1, field)).toThrow(TypeError);
  });
});

describe('guardDecorator keeps what other TC39 decorators recorded, in either order', () => {
  const ROUTE = Symbol('route');
  /** A router's decorator: the route in `context.metadata`, and a tag on the function itself. */
  const Get =
    (path: string) =>
    (method: Function, context: ClassMethodDecoratorContext): void => {
      const metadata = context.metadata as Record<symbol, Record<string, string> | undefined>;
      metadata[ROUTE] = { ...metadata[ROUTE], [String(context.name)]: path };
      (method as { route?: string }).route = path;
    };

  class Controller {
    @guardDecorator(requireRole('admin'), binding)
    @Get('/above')
    above(_req: FakeRequest) {
      return 'above';
    }
    @Get('/below')
    @guardDecorator(requireRole('admin'), binding)
    below(_req: FakeRequest) {
      return 'below';
    }
  }

  it('context.metadata holds both routes', () => {
    const metadata = (Controller as unknown as Record<symbol, Record<symbol, unknown>>)[
      (Symbol as unknown as { metadata: symbol }).metadata
    ];
    expect(metadata?.[ROUTE]).toEqual({ above: '/above', below: '/below' });
  });

  it('a tag put on the function before the guard wrapped it is still there', () => {
    expect((Controller.prototype.above as { route?: string }).route).toBe('/above');
  });

  it('both methods are guarded', () => {
    const controller = new Controller();
    expect(controller.above(authed(context([], ['admin'])))).toBe('above');
    expect((controller.below(authed(context([]))) as unknown as Refusal).refused.code).toBe(
      'insufficient_role',
    );
    expect((controller.above(authed(context([]))) as unknown as Refusal).refused.code).toBe(
      'insufficient_role',
    );
  });
});

describe('guardDecorator (legacy experimentalDecorators call shape)', () => {
  it('wraps descriptor.value and keeps the other descriptor fields', () => {
    const decorator = guardDecorator(requireScope('orders:read'), binding);
    const method = function list(this: { prefix: string }, _req: FakeRequest, tag: string) {
      return { ok: `${this.prefix}:${tag}` };
    };
    const descriptor = decorator({}, 'list', {
      value: method,
      writable: true,
      configurable: true,
      enumerable: false,
    });
    expect(descriptor.writable).toBe(true);
    expect(descriptor.enumerable).toBe(false);
    const wrapped = descriptor.value as typeof method;
    expect(wrapped.call({ prefix: 'p' }, authed(context(['orders:read'])), 'x')).toEqual({ ok: 'p:x' });
    const refused = wrapped.call({ prefix: 'p' }, authed(context([])), 'y') as unknown as Refusal;
    expect(refused.refused.code).toBe('insufficient_scope');
  });

  it('refuses a descriptor without a function', () => {
    const decorator = guardDecorator(requireAuth(), binding);
    expect(() => decorator({}, 'x', { get: () => 1 })).toThrow(TypeError);
  });
});
