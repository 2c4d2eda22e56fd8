/**
 * @tokengate/nestjs as a Nest 11 app loads it: the built package (packages/nestjs/dist), copied
 * into this project so that its own imports of `@nestjs/common` and `@nestjs/core` resolve to
 * Nest 11 (a workspace link would resolve them to the Nest 12 devDependencies of packages/nestjs).
 * Nest's packages find each other by name, so a second major cannot sit beside the first under
 * npm aliases: this project installs Nest 11 as `@nestjs/*`.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type * as Tokengate from '../../../packages/nestjs/src/index.js';

/** Copies the build and imports it; `remove()` deletes the copy (after the tests). */
export async function loadAdapter(): Promise<{ tokengate: typeof Tokengate; entry: URL; remove(): void }> {
  const dist = new URL('../../../packages/nestjs/dist/', import.meta.url);
  const copy = new URL(`../.adapter-${process.pid}-${Math.random().toString(36).slice(2)}/`, import.meta.url);
  mkdirSync(copy, { recursive: true });
  for (const file of readdirSync(dist).filter((name) => name.endsWith('.js'))) {
    const code = readFileSync(new URL(file, dist), 'utf8').replace(/^\/\/# sourceMappingURL=.*$/m, '');
    writeFileSync(new URL(file, copy), code);
  }
  const entry = new URL('index.js', copy);
  return {
    tokengate: await import(entry.href),
    entry,
    remove: () => rmSync(copy, { recursive: true, force: true }),
  };
}
