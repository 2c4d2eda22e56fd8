import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { createTestIssuer, type TestIssuer, type TestIssuerServer } from '@tokengate/core/testing';
import { type BuildOptions, build } from 'esbuild';
import { Miniflare } from 'miniflare';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KeyCacheWorkerConfig } from '../src/key-cache-worker.js';

/**
 * docs/performance.md promises that on Workers, with `keyCache: workersKeyCache(caches.default)`,
 * a cold isolate whose data center's cache is warm verifies its first token without fetching
 * keys. Here, on workerd (through Miniflare): workers of one workerd process — each its own
 * isolate — share the Cache API as isolates of one data center do; the identity provider on
 * 127.0.0.1 counts the fetches. Then a new workerd process over the same (persisted) cache stands
 * for isolates started later. The guide's snippet (examples/readme/key-cache-workers.ts) runs the
 * same way.
 */

const here = dirname(fileURLToPath(import.meta.url));
const AUDIENCE = 'api://key-cache';

let dir: string;
let script: string;
let idp: TestIssuer;
let idpServer: TestIssuerServer;
let named: TestIssuer;
let namedServer: TestIssuerServer;
let snippetIdp: TestIssuer;
let snippetServer: TestIssuerServer;
let snippet: string;
const running: Miniflare[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tokengate-key-cache-'));
  [idp, named, snippetIdp] = await Promise.all([
    createTestIssuer({ alg: 'ES256', audience: AUDIENCE }),
    createTestIssuer({ alg: 'RS256', audience: AUDIENCE }),
    createTestIssuer({ alg: 'EdDSA', audience: 'api://orders' }),
  ]);
  [idpServer, namedServer, snippetServer] = await Promise.all([
    idp.listen(),
    named.listen(),
    snippetIdp.listen(),
  ]);
  const config: KeyCacheWorkerConfig = {
    issuer: idpServer.issuer,
    namedIssuer: namedServer.issuer,
    audience: AUDIENCE,
  };
  script = join(dir, 'worker.js');
  snippet = join(dir, 'snippet.js');
  // bundled as wrangler bundles a Worker
  const workers: BuildOptions = {
    bundle: true,
    format: 'esm',
    target: 'es2022',
    platform: 'neutral',
    mainFields: ['module', 'main'],
    conditions: ['workerd', 'worker', 'browser'],
    logLevel: 'silent',
  };
  const snippetFile = join(here, '../../readme/key-cache-workers.ts');
  await Promise.all([
    build({
      ...workers,
      entryPoints: [join(here, '../src/key-cache-worker.ts')],
      outfile: script,
      define: { KEY_CACHE_WORKER_CONFIG: JSON.stringify(config) },
    }),
    build({
      ...workers,
      stdin: {
        contents: readFileSync(snippetFile, 'utf8').replace(
          "'https://idp.example.com/'",
          JSON.stringify(snippetServer.issuer),
        ),
        loader: 'ts',
        resolveDir: dirname(snippetFile),
        sourcefile: snippetFile,
      },
      outfile: snippet,
    }),
  ]);
});

afterAll(async () => {
  await Promise.all(running.splice(0).map((mf) => mf.dispose()));
  await Promise.all([idpServer?.close(), namedServer?.close(), snippetServer?.close()]);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** One workerd process running `names.length` copies of the worker, over the cache in `dir`. */
async function workerd(
  names: string[],
  snippets: string[] = [],
): Promise<{ mf: Miniflare; output: () => string }> {
  let output = '';
  const worker = (name: string, scriptPath: string) => ({
    name,
    modules: true,
    modulesRoot: dir,
    scriptPath,
    compatibilityDate: '2026-04-01',
  });
  const mf = new Miniflare({
    workers: [...names.map((name) => worker(name, script)), ...snippets.map((name) => worker(name, snippet))],
    cachePersist: join(dir, 'cache'),
    host: '127.0.0.1',
    port: 0,
    handleRuntimeStdio(stdout: Readable, stderr: Readable) {
      stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    },
  });
  running.push(mf);
  try {
    await mf.ready;
  } catch (error) {
    throw new Error(`workerd did not start:\n${output}`, { cause: error });
  }
  return { mf, output: () => output };
}

interface Answer {
  status: number;
  sub?: string;
  isolate?: string;
  events?: string[];
}

async function call(mf: Miniflare, worker: string, path: string, token: string): Promise<Answer> {
  // (Miniflare's types name Cloudflare's Request/Response, whose package is not installed.)
  const fetcher = (await mf.getWorker(worker)) as unknown as {
    fetch(url: string, init: RequestInit): Promise<Response>;
  };
  const response = await fetcher.fetch(`http://worker${path}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  const body = response.status === 200 ? ((await response.json()) as Omit<Answer, 'status'>) : {};
  return { status: response.status, ...body };
}

describe('keyCache on workerd: isolates sharing the Cache API', () => {
  it('the second isolate, and a new process later, verify with zero key fetches', async () => {
    const { mf, output } = await workerd(['a', 'b', 'c', 'd'], ['s1', 's2']);
    const token = await idp.sign({ sub: 'alice' });

    const a = await call(mf, 'a', '/default/whoami', token);
    expect(a, output()).toMatchObject({ status: 200, sub: 'alice', events: ['fetched', 'fetched'] });
    expect(idpServer.stats).toEqual({ discovery: 1, jwks: 1 });

    const b = await call(mf, 'b', '/default/whoami', token);
    expect(b, output()).toMatchObject({ status: 200, sub: 'alice', events: [] });
    expect(b.isolate).not.toBe(a.isolate);
    expect(idpServer.stats).toEqual({ discovery: 1, jwks: 1 });

    // a named cache (caches.open), opened at the first request
    const namedToken = await named.sign({ sub: 'bob' });
    const c = await call(mf, 'c', '/named/whoami', namedToken);
    expect(c, output()).toMatchObject({ status: 200, sub: 'bob', events: ['fetched', 'fetched'] });
    const d = await call(mf, 'd', '/named/whoami', namedToken);
    expect(d, output()).toMatchObject({ status: 200, sub: 'bob', events: [] });
    expect(namedServer.stats).toEqual({ discovery: 1, jwks: 1 });

    // a token the cached keys do not verify is still refused
    expect((await call(mf, 'b', '/default/whoami', await idp.sign({}, { defect: 'wrong-key' }))).status).toBe(
      401,
    );

    // the guide's snippet: the first isolate fetches, the second does not
    const snippetToken = await snippetIdp.sign({ sub: 'carol' });
    for (const name of ['s1', 's2']) {
      expect(await call(mf, name, '/api/me', snippetToken), output()).toEqual({ status: 200, sub: 'carol' });
      expect(snippetServer.stats, name).toEqual({ discovery: 1, jwks: 1 });
    }

    await mf.dispose();
    running.splice(running.indexOf(mf), 1);
    const later = await workerd(['e']);
    const e = await call(later.mf, 'e', '/default/whoami', token);
    expect(e, later.output()).toMatchObject({ status: 200, sub: 'alice', events: [] });
    expect(idpServer.stats).toEqual({ discovery: 1, jwks: 1 });
  });
});
