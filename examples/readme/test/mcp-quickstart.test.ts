/**
 * The MCP quick start (packages/mcp/README.md) runs as written: scripts/packaging/run-mcp-app.mjs
 * drives it against a local identity provider, here with the workspace packages (and, from
 * scripts/check-packages.mjs, with the packed tarballs and the SDK v2 from the registry).
 */
import { execFile } from 'node:child_process';
import { cpSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';

/** Where the snippet runs from: examples/readme, or the fresh project of scripts/check-packages.mjs. */
const readme = process.env.TOKENGATE_SNIPPET_DIR
  ? `${process.env.TOKENGATE_SNIPPET_DIR}/`
  : fileURLToPath(new URL('..', import.meta.url));
const runner = fileURLToPath(new URL('../../../scripts/packaging/run-mcp-app.mjs', import.meta.url));

it('the MCP quick start: 401 with resource_metadata, metadata, a foreign token refused, a tool with and without its scope', async () => {
  // Copied beside the snippet, as into the fresh projects, so it resolves their packages.
  const copy = `run-mcp-app.${process.pid}.mjs`;
  cpSync(runner, `${readme}${copy}`);
  try {
    const { stdout } = await promisify(execFile)(process.execPath, [copy, 'mcp-quickstart.mjs'], {
      cwd: readme,
      timeout: 30_000,
    });
    expect(stdout).toContain('ok   MCP app (mcp-quickstart.mjs)');
  } finally {
    rmSync(`${readme}${copy}`);
  }
}, 40_000);
