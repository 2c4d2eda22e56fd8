/**
 * The conformance table through NestJS 12 (@tokengate/nestjs) on both platforms, with Nest's
 * testing module. A file of its own: Nest's drivers use TypeScript's legacy decorators, so they
 * are type-checked by tsconfig.nestjs.json, apart from the other drivers (TC39 decorators).
 */
import { nestDriver } from './drivers/nestjs.js';
import { describeConformance } from './table.js';

describeConformance([
  nestDriver('nest 12 (platform-express)', 'express'),
  nestDriver('nest 12 (platform-fastify)', 'fastify'),
]);
