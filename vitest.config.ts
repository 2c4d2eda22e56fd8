import ts from 'typescript';
import { defineConfig, type Plugin } from 'vitest/config';

const DECORATOR_LINE = /^\s*@[A-Za-z_$][\w$]*/m;

/**
 * Vite's Oxc transform does not lower TC39 standard decorators, and Node 20 cannot run them, so
 * test files that use decorators are compiled by TypeScript itself (as users' builds would).
 * A file containing the pragma `@experimentalDecorators`, or importing NestJS (whose decorators
 * are legacy only), is compiled in legacy mode instead, with `emitDecoratorMetadata` as Nest apps
 * set it.
 */
function typescriptDecorators(): Plugin {
  return {
    name: 'tokengate:typescript-decorators',
    enforce: 'pre',
    transform(code, id) {
      if (!id.endsWith('.ts') || id.includes('/node_modules/') || !DECORATOR_LINE.test(code)) return null;
      const legacy = code.includes('@experimentalDecorators') || code.includes("from '@nestjs/");
      const out = ts.transpileModule(code, {
        fileName: id,
        compilerOptions: {
          target: ts.ScriptTarget.ES2022,
          module: ts.ModuleKind.ESNext,
          sourceMap: true,
          experimentalDecorators: legacy,
          emitDecoratorMetadata: legacy,
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
  },
});
