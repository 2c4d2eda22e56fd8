/**
 * What the one-connection stores share (the DPoP replay store, the key cache, the introspection
 * cache): checking their options, opening the connection, reporting failures to `onError`, and
 * running one bounded `EVAL` once the connection is ready — waiting for it at a cold start
 * within the same bound.
 */

import type { Duration } from '@tokengate/core';
import { bounded } from './bounded.js';
import { openConnection, type RedisConnection } from './connection.js';
import { checkConnectionOptions, type RedisConnectionOptions } from './connection-options.js';
import { milliseconds } from './options.js';

/** The options every one-connection store takes, beside its own. */
export interface ScriptStoreOptions extends RedisConnectionOptions {
  prefix?: string;
  commandTimeout?: Duration;
  connectTimeout?: Duration;
  onError?: (error: unknown) => void;
}

const COMMON = [
  'url',
  'client',
  'cluster',
  'sentinel',
  'prefix',
  'commandTimeout',
  'connectTimeout',
  'onError',
];

/** A checked, connected (or connecting) store: its prefix, one script runner, and its lifecycle. */
export interface ScriptStore {
  readonly prefix: string;
  readonly connection: RedisConnection;
  /** Reports an error to `onError` (a throwing hook is ignored). */
  report(error: unknown): void;
  /**
   * Runs `script` on `key` within `commandTimeout` (the wait for the connection at a cold start
   * included, unless the store does not wait); a failure is reported, then thrown.
   */
  run(script: string, key: string, args: string[], what: string): Promise<unknown>;
  /** Resolves once Redis is connected (rejects after `connectTimeout`). */
  ready(): Promise<void>;
  /** Closes the connection the store opened (a given client is left open). */
  close(): Promise<void>;
}

/**
 * Checks `options` (exactly one connection option, no unknown name — `own` lists the store's
 * other options, which it checks itself) and opens the store's connection.
 * @throws TypeError naming `name` for any mistake.
 */
export function openScriptStore(
  name: string,
  options: ScriptStoreOptions,
  own: readonly string[],
  defaultCommandTimeout: number,
  /** Whether a command waits for a connection still being made (else it fails at once). */
  waitForConnection = true,
): ScriptStore {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(
      `${name}: options must be an object with \`url\`, \`client\`, \`cluster\` or \`sentinel\``,
    );
  }
  const known = new Set([...COMMON, ...own]);
  for (const key of Object.keys(options)) {
    if (!known.has(key)) throw new TypeError(`${name}: unknown option \`${key}\``);
  }
  const checked = checkConnectionOptions(options, name);
  const prefix = options.prefix ?? 'tokengate:';
  if (typeof prefix !== 'string') throw new TypeError(`${name}: prefix must be a string`);
  if (options.onError !== undefined && typeof options.onError !== 'function') {
    throw new TypeError(`${name}: onError must be a function`);
  }
  const commandTimeout = milliseconds('commandTimeout', options.commandTimeout, defaultCommandTimeout);
  const connectTimeout = milliseconds('connectTimeout', options.connectTimeout, 5000);
  const report = (error: unknown) => {
    try {
      options.onError?.(error);
    } catch {
      // a throwing hook must not change the answer
    }
  };
  const connection = openConnection(
    checked,
    { connectTimeout, reconnectStrategy: (attempt) => Math.min(50 * 2 ** attempt, 2000) },
    report,
  );

  /** Waits (polling, bounded) for the command connection while it is still connecting. */
  async function connected(limitMs: number): Promise<void> {
    const until = Date.now() + limitMs;
    while (!connection.command.isReady) {
      if (Date.now() >= until) throw new Error(`Redis is not connected (waited ${limitMs} ms)`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  return {
    prefix,
    connection,
    report,
    async run(script, key, args, what) {
      const call = async () => {
        if (!connection.command.isReady) {
          if (!waitForConnection) throw new Error('Redis is not connected');
          await connected(commandTimeout);
        }
        return connection.command.eval(script, { keys: [key], arguments: args });
      };
      try {
        return await bounded(call(), what, commandTimeout);
      } catch (error) {
        report(error);
        throw error;
      }
    },
    ready: () => connected(connectTimeout),
    close: () => connection.close(2000),
  };
}
