import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { type BuildOptions, build } from 'esbuild';
import { Miniflare } from 'miniflare';
import type { RuntimeAppConfig } from '../src/app.js';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);

/** A runtime serving the app: its base URL, and how to stop it. */
export interface RunningApp {
  readonly name: string;
  readonly url: string;
  /** Everything the runtime printed (for failure messages). */
  output(): string;
  /** What `test/crypto-report.ts` says on this runtime: the signature backend `'auto'` picks. */
  cryptoReport(): Promise<CryptoReport>;
  close(): Promise<void>;
}

/** The signature backend chosen on a runtime, and the self-tests its node:crypto passes. */
export interface CryptoReport {
  backend: 'node' | 'webcrypto' | 'auto';
  nodeCryptoPasses: string[] | null;
}

/** The bundles of the app, one per runtime entry, built from the packages' `dist/`. */
export interface Bundles {
  readonly dir: string;
  readonly worker: string;
  readonly bun: string;
  readonly deno: string;
  /** `test/crypto-report.ts`, bundled. */
  readonly report: string;
  /** `test/crypto-report-worker.ts`, bundled. */
  readonly reportWorker: string;
  remove(): void;
}

/**
 * Bundles the app with esbuild as a user would for each runtime: the built `@tokengate/*` packages
 * (their `dist/`, through the packages' `exports`), hono and jose, with the configuration inlined.
 * The bundle for workerd uses the conditions wrangler uses (`workerd`, `worker`, `browser`).
 */
export async function bundleApp(config: RuntimeAppConfig): Promise<Bundles> {
  const dir = mkdtempSync(join(tmpdir(), 'tokengate-runtimes-'));
  const common: BuildOptions = {
    bundle: true,
    format: 'esm',
    target: 'es2022',
    logLevel: 'silent',
    define: { RUNTIME_APP_CONFIG: JSON.stringify(config) },
  };
  const workers: BuildOptions = {
    ...common,
    platform: 'neutral',
    mainFields: ['module', 'main'],
    conditions: ['workerd', 'worker', 'browser'],
  };
  await Promise.all([
    build({ ...workers, entryPoints: [join(here, '../src/worker.ts')], outfile: join(dir, 'worker.js') }),
    build({
      ...workers,
      entryPoints: [join(here, 'crypto-report-worker.ts')],
      outfile: join(dir, 'report-worker.js'),
    }),
    build({
      ...common,
      entryPoints: [join(here, 'crypto-report.ts')],
      outfile: join(dir, 'report.js'),
      platform: 'neutral',
    }),
    build({
      ...common,
      entryPoints: [join(here, '../src/bun.ts')],
      outfile: join(dir, 'bun.js'),
      platform: 'neutral',
      // `hono/bun` (for its WebSocket helper) also carries serveStatic, which imports these; Bun
      // has them. tokengate's own modules import no `node:` module (packages/hono's test says so).
      external: ['node:fs/promises', 'node:path'],
    }),
    build({
      ...common,
      entryPoints: [join(here, '../src/deno.ts')],
      outfile: join(dir, 'deno.js'),
      platform: 'neutral',
      // As for Bun: `hono/deno`'s serveStatic imports it; Deno has it.
      external: ['node:path'],
    }),
  ]);
  return {
    dir,
    worker: join(dir, 'worker.js'),
    bun: join(dir, 'bun.js'),
    deno: join(dir, 'deno.js'),
    report: join(dir, 'report.js'),
    reportWorker: join(dir, 'report-worker.js'),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** The Bun executable installed by the `bun` npm package (its postinstall puts it in `bin/`). */
export function bunExecutable(): string {
  return join(dirname(require.resolve('bun/package.json')), 'bin', 'bun.exe');
}

/** The Deno executable installed by the `deno` npm package (placed by its postinstall). */
export function denoExecutable(): string {
  const api = require(join(dirname(require.resolve('deno/package.json')), 'install_api.cjs')) as {
    runInstall(): string;
  };
  return api.runInstall();
}

/** A runtime run as a child process (Bun, Deno). */
interface Runtime {
  name: string;
  command: string;
  /** Arguments that run a script. */
  args: (script: string) => string[];
  env: Record<string, string>;
}

function spawnRuntime(runtime: Runtime, script: string): ChildProcess {
  return spawn(runtime.command, runtime.args(script), {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? tmpdir(), ...runtime.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Runs `script` to completion (at most `timeoutMs`) and parses the JSON line it prints. */
function runOnce(runtime: Runtime, script: string, timeoutMs: number): Promise<CryptoReport> {
  const child = spawnRuntime(runtime, script);
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  return new Promise((done, fail) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', fail);
    child.once('exit', (code) => {
      clearTimeout(timer);
      const line = output.split('\n').find((l) => l.startsWith('{'));
      if (code === 0 && line) done(JSON.parse(line) as CryptoReport);
      else fail(new Error(`${runtime.name} ${script} exited with ${code}:\n${output}`));
    });
  });
}

/**
 * Starts `script` on `runtime`, waits (at most `timeoutMs`) for the `{"listening": url}` line the
 * entry prints, and returns the running app. The child is killed by its PID on close or failure.
 */
function startProcess(
  runtime: Runtime,
  bundles: Bundles,
  script: string,
  timeoutMs: number,
): Promise<RunningApp> {
  const name = runtime.name;
  const child = spawnRuntime(runtime, script);
  let output = '';
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const close = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
  };
  return new Promise<RunningApp>((resolveStart, rejectStart) => {
    const timer = setTimeout(() => {
      void close();
      rejectStart(new Error(`${name} did not start within ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    const fail = (why: string) => {
      clearTimeout(timer);
      void close();
      rejectStart(new Error(`${name} ${why}:\n${output}`));
    };
    const onExit = (code: number | null, signal: string | null) =>
      fail(`exited (${code ?? signal}) before listening`);
    child.once('error', (error) => fail(`could not be started (${error.message})`));
    child.once('exit', onExit);
    child.stderr!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /\{"listening":"([^"]+)"\}/.exec(output);
      if (match) {
        clearTimeout(timer);
        child.off('exit', onExit);
        resolveStart({
          name,
          url: match[1]!,
          output: () => output,
          cryptoReport: () => runOnce(runtime, bundles.report, timeoutMs),
          close,
        });
      }
    });
  });
}

/** Runs the Bun bundle with the `bun` package's binary. */
export function startBun(bundles: Bundles, timeoutMs = 15_000): Promise<RunningApp> {
  const bun: Runtime = {
    name: 'bun',
    command: bunExecutable(),
    args: (script) => ['run', script],
    env: { DO_NOT_TRACK: '1' },
  };
  return startProcess(bun, bundles, bundles.bun, timeoutMs);
}

/** Runs the Deno bundle with the `deno` package's binary, network limited to 127.0.0.1. */
export function startDeno(bundles: Bundles, timeoutMs = 15_000): Promise<RunningApp> {
  const deno: Runtime = {
    name: 'deno',
    command: denoExecutable(),
    args: (script) => ['run', '--no-config', '--no-lock', '--no-prompt', '--allow-net=127.0.0.1', script],
    env: { DENO_DIR: join(bundles.dir, 'deno-dir'), DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1' },
  };
  return startProcess(deno, bundles, bundles.deno, timeoutMs);
}

/** Runs the Worker bundle on workerd through Miniflare, with or without `nodejs_compat`. */
export async function startWorkerd(
  bundles: Bundles,
  { nodejsCompat }: { nodejsCompat: boolean },
): Promise<RunningApp> {
  const name = nodejsCompat ? 'workerd (nodejs_compat)' : 'workerd';
  let output = '';
  const worker = {
    modules: true,
    modulesRoot: bundles.dir,
    compatibilityDate: '2026-04-01',
    compatibilityFlags: nodejsCompat ? ['nodejs_compat'] : [],
  };
  const mf = new Miniflare({
    workers: [
      { ...worker, name: 'app', scriptPath: bundles.worker },
      { ...worker, name: 'report', scriptPath: bundles.reportWorker },
    ],
    host: '127.0.0.1',
    port: 0,
    handleRuntimeStdio(stdout: Readable, stderr: Readable) {
      stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
      });
      stderr.on('data', (chunk: Buffer) => {
        output += chunk.toString();
      });
    },
  });
  try {
    const url = await mf.ready;
    const cryptoReport = async () => {
      // (Miniflare's types name Cloudflare's Request/Response, whose package is not installed.)
      const report = (await mf.getWorker('report')) as unknown as {
        fetch(url: string): Promise<Response>;
      };
      const response = await report.fetch('http://report/');
      return (await response.json()) as CryptoReport;
    };
    return { name, url: url.origin, output: () => output, cryptoReport, close: () => mf.dispose() };
  } catch (error) {
    await mf.dispose().catch(() => {});
    throw new Error(`${name} did not start:\n${output}`, { cause: error });
  }
}
