import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';

const root = fileURLToPath(new URL('../../../', import.meta.url));

/** One row of a recipe's table: the request, the old and the migrated status, the keep-old option. */
export interface Row {
  request: string;
  old: number;
  migrated: number;
  keep: string | undefined;
}

/** The table "Same requests, same answers" of one recipe section. */
export function recipeTable(heading: string): Row[] {
  const doc = readFileSync(`${root}docs/recipes.md`, 'utf8');
  const start = doc.indexOf(`## ${heading}`);
  expect(start).toBeGreaterThanOrEqual(0);
  const section = doc.slice(start, doc.indexOf('\n## ', start + 1) >>> 0 || undefined);
  const table = section.slice(section.indexOf('| request |'));
  const lines = table.split('\n');
  const rows = lines
    .slice(
      2,
      lines.findIndex((l) => !l.startsWith('|')),
    )
    .map((l) =>
      l
        .split('|')
        .slice(1, -1)
        .map((c) => c.trim()),
    );
  expect(rows.length).toBeGreaterThan(5);
  return rows.map(([req, old, migrated, keep]) => ({
    request: req!,
    old: Number.parseInt(old!.replace(/\*/g, ''), 10),
    migrated: Number.parseInt(migrated!.replace(/\*/g, ''), 10),
    keep: /`([^`]+)`/.exec(keep ?? '')?.[1],
  }));
}

/** Uncomments the recipe's "keep the old behaviour" line (`// requireExp: false, …`). */
export const keepOld = (option: string) => (source: string) => {
  const line = new RegExp(`^(\\s*)// (${option.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')},)`, 'm');
  expect(source).toMatch(line);
  return source.replace(line, '$1$2');
};
