// Where the decorators keep what they declare: Reflect metadata (Nest's `reflect-metadata`) on the
// controller class or the handler function, read by the guard (directly, cached per route).
import { type Guard, requireAuth, type Verifier } from '@tokengate/core';

/** Metadata key of `@Public()`. */
export const PUBLIC = 'tokengate:public';
/** Metadata key of the requirements (`@RequireScope`…): a list of core guards, all needed. */
export const REQUIREMENTS = 'tokengate:requirements';
/** Metadata key of `@AuthenticateWith(options)`: the verifier that replaces the module's. */
export const VERIFIER = 'tokengate:verifier';

/** The part of `reflect-metadata`'s API used here (Nest loads it before any decorator runs). */
interface ReflectMetadata {
  getOwnMetadata(key: string, target: object): unknown;
  getMetadata(key: string, target: object): unknown;
  defineMetadata(key: string, value: unknown, target: object): void;
}
const metadata = Reflect as unknown as ReflectMetadata;

/** A decorator for a controller class or one of its route handlers. */
export type ClassOrMethodDecorator = ClassDecorator & MethodDecorator;

/** Where a class-or-method decorator writes: the handler function, or the class. */
function targetOf(target: object, descriptor: PropertyDescriptor | undefined): object {
  const value = descriptor?.value as unknown;
  return typeof value === 'function' ? value : target;
}

/** Appends `guard` to the requirements of a class or handler (several decorators: all apply). */
export function addRequirement(guard: Guard): ClassOrMethodDecorator {
  return (target: object, _key?: string | symbol, descriptor?: PropertyDescriptor) => {
    const on = targetOf(target, descriptor);
    const own = metadata.getOwnMetadata(REQUIREMENTS, on) as readonly Guard[] | undefined;
    metadata.defineMetadata(REQUIREMENTS, Object.freeze([...(own ?? []), guard]), on);
  };
}

/** Sets one metadata value on a class or handler. */
export function setMetadata(key: string, value: unknown): ClassOrMethodDecorator {
  return (target: object, _key?: string | symbol, descriptor?: PropertyDescriptor) => {
    metadata.defineMetadata(key, value, targetOf(target, descriptor));
  };
}

/** What the guard does for one route (a handler of one controller class), read once. */
export interface RoutePlan {
  /** `@Public()` and no requirement: not authenticated at all. */
  readonly public: boolean;
  /** The verifier of `@AuthenticateWith` (method, then class), else undefined (the module's). */
  readonly verifier: Verifier<unknown> | undefined;
  /** Class requirements, then method requirements: every one must pass. */
  readonly requirements: readonly Guard[];
}

const NONE: readonly Guard[] = Object.freeze([]);

/**
 * Reads a route's plan from its class and handler. `getMetadata` (not `getOwnMetadata`): a
 * subclass keeps the requirements of the controller it extends. A route with requirements is
 * never public, whatever `@Public()` says (a conflict fails closed).
 */
export function readPlan(handler: object, controller: object): RoutePlan {
  const requirements = [
    ...((metadata.getMetadata(REQUIREMENTS, controller) as readonly Guard[] | undefined) ?? NONE),
    ...((metadata.getMetadata(REQUIREMENTS, handler) as readonly Guard[] | undefined) ?? NONE),
  ];
  const declaredPublic =
    metadata.getMetadata(PUBLIC, handler) === true || metadata.getMetadata(PUBLIC, controller) === true;
  const verifier = (metadata.getMetadata(VERIFIER, handler) ?? metadata.getMetadata(VERIFIER, controller)) as
    | Verifier<unknown>
    | undefined;
  return {
    public: declaredPublic && requirements.length === 0,
    verifier,
    requirements: requirements.length === 0 ? NONE : Object.freeze(requirements),
  };
}

/** The requirement `@Auth()` applies: an authenticated request. */
export const AUTH_REQUIRED: Guard = requireAuth();
