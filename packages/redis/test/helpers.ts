import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { AuthContext, JwtClaims } from '@tokengate/core';

const REDIS_SERVER = existsSync('/usr/bin/redis-server') ? '/usr/bin/redis-server' : 'redis-server';

/** A port on 127.0.0.1 that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** A real `redis-server` on 127.0.0.1, started and killed by the test. */
export class RedisServer {
  #process: ChildProcess | undefined;
  private constructor(
    readonly port: number,
    readonly args: readonly string[],
  ) {}

  /**
   * Starts a server on a free port, without persistence; `args` come first (a config file, for
   * `--sentinel`) and can add or override settings.
   */
  static async start(args: readonly string[] = [], port?: number): Promise<RedisServer> {
    const server = new RedisServer(port ?? (await freePort()), args);
    await server.start();
    return server;
  }

  /** The process id while running. */
  get pid(): number | undefined {
    return this.#process?.pid;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** (Re)starts the server on its port; resolves when it accepts connections (at most 10 s). */
  async start(): Promise<void> {
    const child = spawn(
      REDIS_SERVER,
      [
        ...this.args,
        '--port',
        String(this.port),
        '--bind',
        '127.0.0.1',
        ...(this.args.includes('--sentinel') ? [] : ['--save', '', '--appendonly', 'no']),
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.#process = child;
    await new Promise<void>((resolve, reject) => {
      let output = '';
      const timer = setTimeout(
        () => fail(new Error(`redis-server did not start in 10 s:\n${output}`)),
        10_000,
      );
      const fail = (error: Error) => {
        clearTimeout(timer);
        reject(error);
      };
      child.stdout?.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (/Ready to accept connections|\+monitor master/.test(output)) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('error', fail);
      child.once('exit', (code) => fail(new Error(`redis-server exited with ${code}:\n${output}`)));
    });
  }

  /** Freezes (SIGSTOP) or thaws (SIGCONT) the server: connections stay open but nothing answers. */
  signal(signal: 'SIGSTOP' | 'SIGCONT'): void {
    this.#process?.kill(signal);
  }

  /** Kills the server with SIGKILL (no clean shutdown) and waits for it to exit. */
  async kill(): Promise<void> {
    const child = this.#process;
    this.#process = undefined;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGCONT');
    child.kill('SIGKILL');
    await exited;
  }
}

/** A verified-token context as the core hands it to a store. */
export function authFor(claims: JwtClaims): AuthContext<JwtClaims> {
  return {
    token: 'header.payload.signature',
    header: { alg: 'HS256' },
    claims,
    payload: claims,
    subject: claims.sub,
    issuer: claims.iss,
    scopes: new Set(),
    roles: new Set(),
    expiresAt: claims.exp,
    tokenType: 'jwt',
    binding: 'bearer',
    jkt: undefined,
  };
}

/** Polls `condition` on every turn of the event loop until it holds; returns the milliseconds it took. */
export async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<number> {
  const start = performance.now();
  while (!condition()) {
    if (performance.now() - start > timeoutMs) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setImmediate(resolve));
  }
  return performance.now() - start;
}

/** Runs `fn` and returns what it threw (failing when it did not throw). */
export function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

let counter = 0;
/** A key prefix no other test uses. */
export function uniquePrefix(): string {
  counter += 1;
  return `test${process.pid}-${counter}:`;
}
