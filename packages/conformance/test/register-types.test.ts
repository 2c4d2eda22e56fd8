import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const project = fileURLToPath(new URL('../type-fixtures/register/tsconfig.json', import.meta.url));

describe('Register typing', () => {
  it('an app-wide Register declaration types ctx.state.auth, req.auth and c.var.auth (its own TS program)', () => {
    const result = spawnSync(process.execPath, [tsc, '-p', project, '--pretty', 'false'], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(result.stdout + result.stderr).toBe('');
    expect(result.status).toBe(0);
  });
});
