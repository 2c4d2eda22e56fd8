/**
 * The conformance table through NestJS 12 (@tokengate/nestjs) on both platforms, with Nest's
 * testing module (Nest 11: examples/nestjs11). A file of its own: Nest's drivers use TypeScript's
 * legacy decorators, so they are type-checked by tsconfig.nestjs.json, apart from the other
 * drivers (TC39 decorators).
 */
import { nestDriver } from './drivers/nestjs.js';
import { NEST12 } from './drivers/nestjs12.js';
import { describeConformance } from './table.js';

describeConformance([
  nestDriver('nest 12 (platform-express)', 'express', NEST12),
  nestDriver('nest 12 (platform-fastify)', 'fastify', NEST12),
]);
