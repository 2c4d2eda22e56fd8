import { existsSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The Hono package and the core's main and adapter entries must run on Bun, Deno and Cloudflare Workers, so
 * their BUILT output (what users get) may not import a `node:` module, statically or
 * dynamically. This walks the import graph of `dist/` from each entry and fails on any Node
 * built-in or on a dependency outside the allow-list. Run `pnpm build` first.
 */
const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const ENTRIES = {
  '@tokengate/core': join(root, 'packages/core/dist/index.js'),
  '@tokengate/core/adapter': join(root, 'packages/core/dist/adapter.js'),
  '@tokengate/hono': join(root, 'packages/hono/dist/index.js'),
} as const;
/** Third-party modules these entries may import (all runtime-agnostic). */
const ALLOWED = new Set(['jose', 'hono', 'hono/http-exception']);
const BUILTINS = new Set(builtinModules);

const SPECIFIER =
  /\b(?:import|export)\s*(?:[\w*{}\s,$]*?\s*from\s*)?['"]([^'"]+)['"]|\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)|\brequire\s*\(\s*['"]([^'"]+)['"]\s*\)/g;

interface Graph {
  files: string[];
  problems: string[];
}

function walk(entry: string): Graph {
  const files: string[] = [];
  const problems: string[] = [];
  const queue = [entry];
  const seen = new Set<string>();
  while (queue.length > 0 && seen.size < 1000) {
    const file = queue.shift()!;
    if (seen.has(file)) continue;
    seen.add(file);
    if (!existsSync(file)) {
      problems.push(`${file} does not exist (run pnpm build)`);
      continue;
    }
    files.push(file);
    const code = readFileSync(file, 'utf8');
    for (const match of code.matchAll(SPECIFIER)) {
      const spec = (match[1] ?? match[2] ?? match[3])!;
      const where = `${file.slice(root.length + 1)} imports "${spec}"`;
      if (spec.startsWith('.')) queue.push(resolve(dirname(file), spec));
      else if (spec in ENTRIES) queue.push(ENTRIES[spec as keyof typeof ENTRIES]);
      else if (spec.startsWith('node:') || BUILTINS.has(spec) || BUILTINS.has(spec.split('/')[0]!))
        problems.push(`${where}: a Node built-in`);
      else if (!ALLOWED.has(spec)) problems.push(`${where}: not in the runtime-agnostic allow-list`);
    }
  }
  return { files, problems };
}

describe('no node: imports in the built output', () => {
  it("the core's main entry imports no Node built-in", () => {
    const graph = walk(ENTRIES['@tokengate/core']);
    expect(graph.problems).toEqual([]);
    expect(graph.files.map((f) => f.slice(root.length + 1))).toEqual(
      expect.arrayContaining(['packages/core/dist/verifier.js', 'packages/core/dist/crypto/node.js']),
    );
  });

  it("the core's adapter entry (Hono's plumbing) imports no Node built-in", () => {
    const graph = walk(ENTRIES['@tokengate/core/adapter']);
    expect(graph.problems).toEqual([]);
    expect(graph.files.map((f) => f.slice(root.length + 1))).toEqual(
      expect.arrayContaining([
        'packages/core/dist/request/token-sources.js',
        'packages/core/dist/policy/guard-set.js',
        'packages/core/dist/oauth/resource-metadata.js',
      ]),
    );
  });

  it('@tokengate/hono (and both core entries it pulls in) imports no Node built-in', () => {
    const graph = walk(ENTRIES['@tokengate/hono']);
    expect(graph.problems).toEqual([]);
    expect(graph.files).toContain(ENTRIES['@tokengate/core']);
    expect(graph.files).toContain(ENTRIES['@tokengate/core/adapter']);
  });

  it('the check catches a node: import (the testing entry has them)', () => {
    const graph = walk(join(root, 'packages/core/dist/testing/index.js'));
    expect(graph.problems.some((p) => p.includes('"node:crypto": a Node built-in'))).toBe(true);
  });
});
