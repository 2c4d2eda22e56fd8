import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AuthError } from '@tokengate/core';
import { createTestIssuer } from '@tokengate/core/testing';
import { authErrorHandler, jwtAuth } from '@tokengate/express';
import express from 'express';
import { expect } from 'vitest';
import {
  createRedisRevocationStore,
  type RedisRevocationStore,
  type RedisRevocationStoreOptions,
} from '../src/index.js';

/** One app instance on 127.0.0.1: an Express app with its own store. */
interface Instance {
  readonly name: string;
  readonly store: RedisRevocationStore;
  readonly url: string;
  readonly server: Server;
}

async function instance(
  name: string,
  options: RedisRevocationStoreOptions,
  secret: Uint8Array,
): Promise<Instance> {
  const store = createRedisRevocationStore(options);
  const app = express();
  app.use(jwtAuth({ secret, revocation: store }));
  app.get('/orders', (_req, res) => {
    res.json({ ok: true });
  });
  app.post('/logout', async (req, res) => {
    await store.revoke(req.auth!.claims.jti!, req.auth!.claims.exp!);
    res.sendStatus(204);
  });
  app.use(authErrorHandler());
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  return { name, store, server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

async function call(target: Instance, token: string, path = '/orders', method = 'GET') {
  const response = await fetch(target.url + path, {
    method,
    headers: { authorization: `Bearer ${token}` },
    signal: AbortSignal.timeout(5000),
  });
  await response.arrayBuffer();
  return { status: response.status, retryAfter: response.headers.get('retry-after') };
}

/** What the failover cost, for the log. */
export interface FailoverReport {
  /** Milliseconds from the kill until both instances answered from a trusted copy again. */
  recoveredAfter: number;
  /** Requests sent during the failover, by status. */
  statuses: Record<number, number>;
  /** Messages of `onError` events that announced a write-back. */
  writeBacks: string[];
}

/**
 * The failover check shared by the Cluster and Sentinel suites: two instances, tokens revoked on
 * A refused on B; `killMaster` kills the master that holds the revocations (and may first make
 * Redis miss some of them); while the replica takes over, both instances answer only 200 for
 * tokens never revoked, 401 for revoked ones, or the documented 503 with `Retry-After` — never
 * another status, and never 200 for a revoked token; afterwards they refuse every revoked token
 * and accept the others, so does an instance started afterwards, and a revocation on B holds on A
 * again.
 */
export async function checkFailover(options: {
  storeOptions: (prefix: string) => RedisRevocationStoreOptions;
  prefix: string;
  /** Kills the master; gets `revoke` to revoke more tokens on A just before. */
  killMaster: (revokeMore: () => Promise<void>) => Promise<void>;
  timeoutMs?: number;
}): Promise<FailoverReport> {
  const idp = await createTestIssuer({ alg: 'HS256' });
  const writeBacks: string[] = [];
  const base = {
    ...options.storeOptions(options.prefix),
    commandTimeout: '500ms',
    reconnectStrategy: (attempt: number) => Math.min(50 * 2 ** attempt, 250),
    onError: ({ error }: { error: AuthError }) => {
      if ((error.detail ?? error.message).includes('wrote them back'))
        writeBacks.push(error.detail ?? error.message);
    },
  };
  const a = await instance('A', base, idp.secret!);
  const b = await instance('B', base, idp.secret!);
  const instances = [a, b];
  try {
    await Promise.all([a.store.ready(), b.store.ready()]);
    const exp = Math.floor(Date.now() / 1000) + 600;
    const tokens = await Promise.all(
      Array.from({ length: 30 }, (_, i) => idp.sign({ sub: `user-${i}`, jti: `jti-${i}`, exp })),
    );
    const revoked = new Set<string>();
    const revokeOnA = async (from: number, to: number) => {
      for (let i = from; i < to; i++) {
        expect((await call(a, tokens[i]!, '/logout', 'POST')).status).toBe(204);
        revoked.add(tokens[i]!);
      }
    };
    await revokeOnA(0, 10);
    const expected = (token: string) => (revoked.has(token) ? 401 : 200);
    const checkAll = async (target: Instance) => {
      for (const token of tokens) {
        const { status } = await call(target, token);
        if (status !== expected(token)) return false;
      }
      return true;
    };
    // revoked on A, refused on B
    const deadline = Date.now() + 2000;
    while (!(await checkAll(b)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    for (const token of tokens) expect((await call(b, token)).status).toBe(expected(token));

    const statuses: Record<number, number> = {};
    const killedAt = Date.now();
    await options.killMaster(() => revokeOnA(10, 15));
    const timeoutMs = options.timeoutMs ?? 30_000;
    for (;;) {
      for (const target of [a, b]) {
        for (const token of tokens) {
          const { status, retryAfter } = await call(target, token);
          statuses[status] = (statuses[status] ?? 0) + 1;
          if (status === 503) expect(retryAfter).toMatch(/^\d+$/);
          else
            expect(
              status,
              `${target.name} answered a ${revoked.has(token) ? 'revoked' : 'valid'} token`,
            ).toBe(expected(token));
        }
      }
      if (
        a.store.state === 'ready' &&
        b.store.state === 'ready' &&
        (await checkAll(a)) &&
        (await checkAll(b))
      )
        break;
      if (Date.now() - killedAt > timeoutMs) throw new Error(`not recovered ${timeoutMs} ms after the kill`);
    }
    const recoveredAfter = Date.now() - killedAt;
    // an instance started after the failover learns every revocation from the new master
    const c = await instance('C', base, idp.secret!);
    instances.push(c);
    await c.store.ready();
    for (const target of [a, b, c]) {
      for (const token of tokens)
        expect((await call(target, token)).status, target.name).toBe(expected(token));
    }
    // the new master takes revocations: revoked on B, refused on A
    expect((await call(b, tokens[29]!, '/logout', 'POST')).status).toBe(204);
    revoked.add(tokens[29]!);
    const until = Date.now() + 2000;
    while ((await call(a, tokens[29]!)).status !== 401 && Date.now() < until)
      await new Promise((r) => setTimeout(r, 20));
    expect((await call(a, tokens[29]!)).status).toBe(401);
    return { recoveredAfter, statuses, writeBacks };
  } finally {
    await Promise.all(
      instances.map(async (i) => {
        i.server.closeAllConnections();
        await new Promise((resolve) => i.server.close(resolve));
        await i.store.close();
      }),
    );
  }
}
