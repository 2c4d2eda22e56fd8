import express from 'express';
import express4 from 'express4';
import type Fastify from 'fastify';
import type { FastifyInstance } from 'fastify';
import Fastify4 from 'fastify4';
import Koa from 'koa';
import Koa2 from 'koa2';
import { expressDriver } from './drivers/express.js';
import { fastifyDriver } from './drivers/fastify.js';
import { honoFetchDriver, honoNodeDriver } from './drivers/hono.js';
import { koaDriver } from './drivers/koa.js';
import type { Driver } from './routes.js';
import { describeConformance } from './table.js';

/**
 * A driver whose `jwtAuth`s answer refusals in place (`refusals: 'respond'`): every row must
 * answer exactly as through the framework's error path.
 */
function answeringInPlace(driver: Driver): Driver {
  const respond = (options: Parameters<Driver['start']>[0]) => ({ ...options, refusals: 'respond' as const });
  return {
    ...driver,
    name: `${driver.name} (refusals: 'respond')`,
    start: (options, inner) => driver.start(respond(options), inner && respond(inner)),
  };
}

const DRIVERS: Driver[] = [
  expressDriver('express 5', express),
  expressDriver('express 4', express4 as unknown as typeof express),
  koaDriver('koa 3', Koa),
  koaDriver('koa 2', Koa2),
  honoNodeDriver,
  honoFetchDriver,
  fastifyDriver('fastify 5', 'default'),
  fastifyDriver('fastify 5 (app setErrorHandler)', 'app'),
  fastifyDriver('fastify 4', 'default', () => (Fastify4 as unknown as typeof Fastify)() as FastifyInstance),
  answeringInPlace(koaDriver('koa 3', Koa)),
  answeringInPlace(honoNodeDriver),
];

describeConformance(DRIVERS);
