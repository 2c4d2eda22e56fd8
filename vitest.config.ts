import { availableParallelism } from 'node:os';
import { dirname } from 'node:path';
import ts from 'typescript';
import { defineConfig, type Plugin } from 'vitest/config';

const DECORATOR_LINE = /^\s*@[A-Za-z_$][\w$]*/m;

/**
 * Vite's Oxc transform does not lower TC39 standard decorators, and Node 20 cannot run them, so
 * test files that use decorators are compiled by TypeScript itself (as users' builds would).
 * A file containing the pragma `@experimentalDecorators`, or whose nearest tsconfig.json sets
 * `experimentalDecorators` (examples/decorators: routing-controllers), is compiled in legacy mode
 * instead, with that tsconfig's `emitDecoratorMetadata`; so is a file importing NestJS (whose
 * decorators are legacy only), with `emitDecoratorMetadata` as Nest apps set it.
 */
const projects = new Map<string, ts.CompilerOptions>();

/** The decorator options of the tsconfig.json nearest to `file` (none: TC39 decorators). */
function projectDecorators(file: string): ts.CompilerOptions {
  const config = ts.findConfigFile(dirname(file), ts.sys.fileExists);
  if (config === undefined) return {};
  let options = projects.get(config);
  if (!options) {
    const parsed = ts.getParsedCommandLineOfConfigFile(
      config,
      {},
      {
        ...ts.sys,
        onUnRecoverableConfigFileDiagnostic: () => {},
      },
    );
    options = {
      experimentalDecorators: parsed?.options.experimentalDecorators === true,
      emitDecoratorMetadata: parsed?.options.emitDecoratorMetadata === true,
    };
    projects.set(config, options);
  }
  return options;
}

function typescriptDecorators(): Plugin {
  return {
    name: 'tokengate:typescript-decorators',
    enforce: 'pre',
    transform(code, id) {
      if (!id.endsWith('.ts') || id.includes('/node_modules/') || !DECORATOR_LINE.test(code)) return null;
      const out = ts.transpileModule(code, {
        fileName: id,
        compilerOptions: {
          target: ts.ScriptTarget.ES2022,
          module: ts.ModuleKind.ESNext,
          sourceMap: true,
          ...projectDecorators(id),
          ...(code.includes('@experimentalDecorators') ? { experimentalDecorators: true } : {}),
          ...(code.includes("from '@nestjs/")
            ? { experimentalDecorators: true, emitDecoratorMetadata: true }
            : {}),
        },
      });
      return { code: out.outputText, map: out.sourceMapText ?? null };
    },
  };
}

export default defineConfig({
  plugins: [typescriptDecorators()],
  test: {
    include: ['packages/*/test/**/*.test.ts', 'examples/*/test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // Vitest's default is one worker less than the cores: a single one on a 2-core machine (CI's).
    // Most suites here wait on real servers, timers (`exp`, cooldowns) and Redis rather than on
    // the CPU, so two at a time halve the run (about 380 s to 195 s here) without starving either.
    maxWorkers: Math.max(2, availableParallelism() - 1),
  },
});
