import { createCluster } from '@redis/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisRevocationStore, type RedisCluster } from '../src/index.js';
import { checkFailover } from './failover.js';
import { authFor, uniquePrefix, waitFor } from './helpers.js';
import { cli, RedisClusterProcesses, until } from './topology.js';

let cluster: RedisClusterProcesses;

beforeAll(async () => {
  cluster = await RedisClusterProcesses.start();
}, 40_000);

afterAll(async () => {
  await cluster?.stop();
});

describe('Redis Cluster (3 masters, 3 replicas)', () => {
  it('takes an existing cluster client (createCluster()) and leaves it open on close', async () => {
    const client = createCluster({ rootNodes: cluster.rootNodes }) as RedisCluster;
    client.on('error', () => {});
    await client.connect();
    const prefix = uniquePrefix();
    const a = createRedisRevocationStore({ client, prefix });
    const b = createRedisRevocationStore({ cluster: { rootNodes: cluster.rootNodes }, prefix });
    try {
      await Promise.all([a.ready(), b.ready()]);
      await a.revoke('via-cluster-client', Math.floor(Date.now() / 1000) + 60);
      await waitFor(() => b.isRevoked(authFor({ jti: 'via-cluster-client' })), 2000);
      await a.close();
      expect(client.isReady).toBe(true);
      expect(await client.get(`{${prefix}}jti:via-cluster-client`)).not.toBeNull();
    } finally {
      await Promise.all([a.close(), b.close()]);
      client.destroy();
    }
  });

  it('revoked on A is refused on B; a master failover that lost the latest revocations is survived without a restart', async () => {
    const prefix = uniquePrefix();
    const channel = `{${prefix}}revocations`;
    const report = await checkFailover({
      prefix,
      storeOptions: () => ({ cluster: { rootNodes: cluster.rootNodes }, prefix }),
      async killMaster(revokeMore) {
        const { master, replica } = await cluster.shardOf(channel);
        // the master holds the revocation keys
        expect(Number(await cli(['-p', String(master.port), 'dbsize']))).toBeGreaterThanOrEqual(10);
        // freeze its replica and cut its link, so the next revocations are acknowledged by the
        // master but never reach the replica
        replica.signal('SIGSTOP');
        await cli(['-p', String(master.port), 'client', 'kill', 'type', 'replica']);
        await revokeMore();
        await master.kill();
        replica.signal('SIGCONT');
        await until(
          'replica promoted',
          async () => (await cli(['-p', String(replica.port), 'role'])).startsWith('master'),
          20_000,
        );
      },
    });
    console.log(
      `[redis] cluster failover: both instances trusted again ${report.recoveredAfter} ms after the kill; ` +
        `statuses during it ${JSON.stringify(report.statuses)}; write-backs: ${report.writeBacks.join(' | ')}`,
    );
    // the promoted replica never had the last 5 revocations: the instances wrote them back
    expect(report.writeBacks.length).toBeGreaterThan(0);
  }, 60_000);
});
