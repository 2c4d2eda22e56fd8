/**
 * @tokengate/nestjs under Nest 11 (CommonJS), on both platforms: the suite of packages/nestjs.
 *
 * Nest's packages find each other by name (`@nestjs/core` requires `@nestjs/common`), so a second
 * major cannot live beside the first under npm aliases: this project installs Nest 11 as
 * `@nestjs/*`. The adapter is the built one (packages/nestjs/dist), copied into this project so
 * that its own imports of `@nestjs/common` and `@nestjs/core` resolve to Nest 11, as in an app
 * (a workspace link would resolve them to the Nest 12 devDependencies of packages/nestjs).
 */
import 'reflect-metadata';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as common from '@nestjs/common';
import * as config from '@nestjs/config';
import * as core from '@nestjs/core';
import * as fastify from '@nestjs/platform-fastify';
import * as testing from '@nestjs/testing';
import { afterAll, expect, it } from 'vitest';
import { describeNest, type NestKit } from '../../../packages/nestjs/test/suite.js';

const dist = new URL('../../../packages/nestjs/dist/', import.meta.url);
const copy = new URL(`../.adapter-${process.pid}/`, import.meta.url);
mkdirSync(copy, { recursive: true });
for (const file of readdirSync(dist).filter((name) => name.endsWith('.js'))) {
  const code = readFileSync(new URL(file, dist), 'utf8').replace(/^\/\/# sourceMappingURL=.*$/m, '');
  writeFileSync(new URL(file, copy), code);
}
const tokengate = await import(new URL('index.js', copy).href);
afterAll(() => rmSync(copy, { recursive: true, force: true }));

it('the adapter resolves Nest 11, the same copy the app uses', () => {
  const fromAdapter = createRequire(new URL('index.js', copy));
  const version = (name: string) =>
    JSON.parse(readFileSync(fromAdapter.resolve(`${name}/package.json`), 'utf8')).version as string;
  expect(version('@nestjs/common')).toMatch(/^11\./);
  expect(version('@nestjs/core')).toMatch(/^11\./);
  expect(fromAdapter.resolve('@nestjs/common')).toBe(
    createRequire(import.meta.url).resolve('@nestjs/common'),
  );
});

describeNest('nest 11', { common, config, core, fastify, testing, tokengate } as unknown as NestKit);
