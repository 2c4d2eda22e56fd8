import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkFailover } from './failover.js';
import { uniquePrefix } from './helpers.js';
import { cli, RedisSentinelProcesses, until } from './topology.js';

let topology: RedisSentinelProcesses;

beforeAll(async () => {
  topology = await RedisSentinelProcesses.start();
}, 40_000);

afterAll(async () => {
  await topology?.stop();
});

describe('Redis Sentinel (a master, a replica, three sentinels)', () => {
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
