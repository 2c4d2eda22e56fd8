/**
 * The conformance table (packages/conformance) through Nest 11 on both platforms: the Nest
 * drivers with this project's Nest 11 and the adapter as built (see adapter.ts).
 */
import 'reflect-metadata';
import * as common from '@nestjs/common';
import * as fastify from '@nestjs/platform-fastify';
import * as testing from '@nestjs/testing';
import { afterAll } from 'vitest';
import { type NestDriverKit, nestDriver } from '../../../packages/conformance/test/drivers/nestjs.js';
import { describeConformance } from '../../../packages/conformance/test/table.js';
import { loadAdapter } from './adapter.js';

const { tokengate, remove } = await loadAdapter();
afterAll(remove);

const NEST11 = { common, fastify, testing, tokengate } as unknown as NestDriverKit;
describeConformance([
  nestDriver('nest 11 (platform-express)', 'express', NEST11),
  nestDriver('nest 11 (platform-fastify)', 'fastify', NEST11),
]);
