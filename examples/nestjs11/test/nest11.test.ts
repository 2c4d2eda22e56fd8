/**
 * @tokengate/nestjs under Nest 11 (CommonJS), on both platforms: the suite of packages/nestjs,
 * with this project's Nest 11 and the adapter as built (see adapter.ts).
 */
import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as common from '@nestjs/common';
import * as config from '@nestjs/config';
import * as core from '@nestjs/core';
import * as fastify from '@nestjs/platform-fastify';
import * as testing from '@nestjs/testing';
import { afterAll, expect, it } from 'vitest';
import { describeNest, type NestKit } from '../../../packages/nestjs/test/suite.js';
import { loadAdapter } from './adapter.js';

const { tokengate, entry, remove } = await loadAdapter();
afterAll(remove);

it('the adapter resolves Nest 11, the same copy the app uses', () => {
  const fromAdapter = createRequire(entry);
  const version = (name: string) =>
    JSON.parse(readFileSync(fromAdapter.resolve(`${name}/package.json`), 'utf8')).version as string;
  expect(version('@nestjs/common')).toMatch(/^11\./);
  expect(version('@nestjs/core')).toMatch(/^11\./);
  expect(fromAdapter.resolve('@nestjs/common')).toBe(
    createRequire(import.meta.url).resolve('@nestjs/common'),
  );
});

describeNest('nest 11', { common, config, core, fastify, testing, tokengate } as unknown as NestKit);
