import { createSentinel } from '@redis/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisRevocationStore, type RedisSentinel } from '../src/index.js';
import { checkFailover } from './failover.js';
import { authFor, uniquePrefix, waitFor } from './helpers.js';
import { cli, RedisSentinelProcesses, until } from './topology.js';

let topology: RedisSentinelProcesses;

beforeAll(async () => {
  topology = await RedisSentinelProcesses.start();
}, 40_000);

afterAll(async () => {
  await topology?.stop();
});

describe('Redis Sentinel (a master, a replica, three sentinels)', () => {
  it('takes an existing sentinel client (createSentinel()) and leaves it open on close', async () => {
    const sentinel = {
      name: RedisSentinelProcesses.masterName,
      sentinelRootNodes: topology.sentinelRootNodes,
    };
    const client = createSentinel(sentinel) as RedisSentinel;
    client.on('error', () => {});
    await client.connect();
    const prefix = uniquePrefix();
    const a = createRedisRevocationStore({ client, prefix });
    const b = createRedisRevocationStore({ sentinel, prefix });
    try {
      await Promise.all([a.ready(), b.ready()]);
      await a.revoke('via-sentinel-client', Math.floor(Date.now() / 1000) + 60);
      await waitFor(() => b.isRevoked(authFor({ jti: 'via-sentinel-client' })), 2000);
      await a.close();
      expect(client.isReady).toBe(true);
      expect(await client.get(`{${prefix}}jti:via-sentinel-client`)).not.toBeNull();
    } finally {
      await Promise.all([a.close(), b.close()]);
      await client.destroy();
    }
  });

  it('revoked on A is refused on B; a master failover that lost the latest revocations is survived without a restart', async () => {
    const prefix = uniquePrefix();
    const report = await checkFailover({
      prefix,
      storeOptions: () => ({
        sentinel: { name: RedisSentinelProcesses.masterName, sentinelRootNodes: topology.sentinelRootNodes },
        prefix,
      }),
      async killMaster(revokeMore) {
        expect(await topology.masterPort()).toBe(topology.master.port);
        // freeze the replica (for less than down-after-milliseconds) and cut its link, so the next
        // revocations are acknowledged by the master but never reach the replica
        topology.replica.signal('SIGSTOP');
        try {
          await cli(['-p', String(topology.master.port), 'client', 'kill', 'type', 'replica']);
          await revokeMore();
          await topology.master.kill();
        } finally {
          topology.replica.signal('SIGCONT');
        }
        await until(
          'replica promoted',
          async () => (await topology.masterPort()) === topology.replica.port,
          20_000,
        );
      },
    });
    console.log(
      `[redis] sentinel failover: both instances trusted again ${report.recoveredAfter} ms after the kill; ` +
        `statuses during it ${JSON.stringify(report.statuses)}; write-backs: ${report.writeBacks.join(' | ')}`,
    );
    // the promoted replica never had the last 5 revocations: the instances wrote them back
    expect(report.writeBacks.length).toBeGreaterThan(0);
  }, 60_000);
});
