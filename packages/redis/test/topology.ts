import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, RedisServer } from './helpers.js';

const REDIS_CLI = existsSync('/usr/bin/redis-cli') ? '/usr/bin/redis-cli' : 'redis-cli';

/** Runs redis-cli against 127.0.0.1 (at most `timeoutMs`); resolves to its output. */
export function cli(args: readonly string[], timeoutMs = 15_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(REDIS_CLI, ['-h', '127.0.0.1', ...args], { timeout: timeoutMs }, (error, stdout, stderr) => {
      if (error) reject(new Error(`redis-cli ${args.join(' ')}: ${error.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` every 100 ms until it resolves truthy (at most `timeoutMs`). */
export async function until(what: string, check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const start = Date.now();
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() - start > timeoutMs) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await sleep(100);
  }
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A free port whose cluster bus port (port + 10000) is free too. */
async function freeClusterPort(taken: Set<number>): Promise<number> {
  for (;;) {
    const port = await freePort();
    if (port + 10_000 > 65_535 || taken.has(port) || taken.has(port + 10_000)) continue;
    if (await portIsFree(port + 10_000)) {
      taken.add(port);
      taken.add(port + 10_000);
      return port;
    }
  }
}

/** One line of `CLUSTER NODES`. */
interface ClusterNode {
  id: string;
  port: number;
  flags: string[];
  masterId: string;
  slots: [number, number][];
}

/**
 * A Redis Cluster of 3 masters and 3 replicas on 127.0.0.1, created with
 * `redis-cli --cluster create … --cluster-replicas 1`, with a 1 s node timeout so a failover
 * takes a few seconds.
 */
export class RedisClusterProcesses {
  private constructor(
    readonly servers: RedisServer[],
    readonly dir: string,
  ) {}

  static async start(): Promise<RedisClusterProcesses> {
    const dir = await mkdtemp(join(tmpdir(), 'tokengate-cluster-'));
    const taken = new Set<number>();
    const ports: number[] = [];
    for (let i = 0; i < 6; i++) ports.push(await freeClusterPort(taken));
    const servers: RedisServer[] = [];
    const cluster = new RedisClusterProcesses(servers, dir);
    try {
      for (const port of ports) {
        servers.push(
          await RedisServer.start(
            [
              '--cluster-enabled',
              'yes',
              '--cluster-config-file',
              join(dir, `nodes-${port}.conf`),
              '--cluster-node-timeout',
              '1000',
              // a replica may take over however long it was cut off (the test freezes one)
              '--cluster-replica-validity-factor',
              '0',
              '--dir',
              dir,
            ],
            port,
          ),
        );
      }
      await cli([
        '--cluster',
        'create',
        ...ports.map((port) => `127.0.0.1:${port}`),
        '--cluster-replicas',
        '1',
        '--cluster-yes',
      ]);
      await until('cluster ready', async () => {
        for (const port of ports) {
          if (!(await cli(['-p', String(port), 'cluster', 'info'])).includes('cluster_state:ok'))
            return false;
        }
        const nodes = await cluster.nodes(ports[0]!);
        return nodes.filter((n) => n.flags.includes('slave')).length === 3;
      });
      for (const port of ports) {
        const info = await cli(['-p', String(port), 'info', 'replication']);
        if (info.includes('role:slave')) {
          await until('replica in sync', async () =>
            (await cli(['-p', String(port), 'info', 'replication'])).includes('master_link_status:up'),
          );
        }
      }
    } catch (error) {
      await cluster.stop();
      throw error;
    }
    return cluster;
  }

  /** Root nodes for node-redis's `createCluster`. */
  get rootNodes(): { url: string }[] {
    return this.servers.slice(0, 2).map((s) => ({ url: s.url }));
  }

  /** `CLUSTER NODES` as seen by the node on `port`. */
  async nodes(port: number): Promise<ClusterNode[]> {
    const text = await cli(['-p', String(port), 'cluster', 'nodes']);
    return text
      .trim()
      .split('\n')
      .map((line) => {
        const [id, address, flags, masterId, , , , , ...slots] = line.split(' ');
        return {
          id: id!,
          port: Number(address!.split('@')[0]!.split(':')[1]),
          flags: flags!.split(','),
          masterId: masterId!,
          slots: slots
            .filter((s) => /^\d/.test(s))
            .map((s) => {
              const [from, to] = s.split('-').map(Number);
              return [from!, to ?? from!] as [number, number];
            }),
        };
      });
  }

  /** The live master serving `key`, and its replica, as the node on `askPort` sees them. */
  async shardOf(
    key: string,
    askPort = this.servers[0]!.port,
  ): Promise<{ master: RedisServer; replica: RedisServer }> {
    const slot = Number((await cli(['-p', String(askPort), 'cluster', 'keyslot', key])).trim());
    const nodes = await this.nodes(askPort);
    const master = nodes.find(
      (n) =>
        n.flags.includes('master') &&
        !n.flags.includes('fail') &&
        n.slots.some(([a, b]) => a <= slot && slot <= b),
    );
    const replica = nodes.find((n) => n.masterId === master?.id && !n.flags.includes('fail'));
    const server = (node: ClusterNode | undefined) => this.servers.find((s) => s.port === node?.port);
    if (!server(master) || !server(replica)) throw new Error(`no master and replica for slot ${slot}`);
    return { master: server(master)!, replica: server(replica)! };
  }

  /** Kills every process (by PID) and removes the directory. */
  async stop(): Promise<void> {
    for (const server of this.servers) server.signal('SIGCONT');
    await Promise.all(this.servers.map((s) => s.kill()));
    await rm(this.dir, { recursive: true, force: true });
  }
}

/**
 * A master, one replica and three sentinels on 127.0.0.1, with a 400 ms down-after so a failover
 * takes a few seconds.
 */
export class RedisSentinelProcesses {
  static readonly masterName = 'tokengate';
  private constructor(
    readonly master: RedisServer,
    readonly replica: RedisServer,
    readonly sentinels: RedisServer[],
    readonly dir: string,
  ) {}

  static async start(): Promise<RedisSentinelProcesses> {
    const dir = await mkdtemp(join(tmpdir(), 'tokengate-sentinel-'));
    const name = RedisSentinelProcesses.masterName;
    const master = await RedisServer.start();
    const sentinels: RedisServer[] = [];
    let replica: RedisServer | undefined;
    try {
      replica = await RedisServer.start(['--replicaof', '127.0.0.1', String(master.port)]);
      await until('replica in sync', async () =>
        (await cli(['-p', String(replica!.port), 'info', 'replication'])).includes('master_link_status:up'),
      );
      for (let i = 0; i < 3; i++) {
        const conf = join(dir, `sentinel-${i}.conf`);
        await writeFile(
          conf,
          [
            `sentinel monitor ${name} 127.0.0.1 ${master.port} 2`,
            `sentinel down-after-milliseconds ${name} 400`,
            `sentinel failover-timeout ${name} 2000`,
            `sentinel parallel-syncs ${name} 1`,
            '',
          ].join('\n'),
        );
        sentinels.push(await RedisServer.start([conf, '--sentinel']));
      }
      await until('sentinels know each other and the replica', async () => {
        for (const s of sentinels) {
          const others = await cli(['-p', String(s.port), 'sentinel', 'sentinels', name]);
          const replicas = await cli(['-p', String(s.port), 'sentinel', 'replicas', name]);
          if ((others.match(/^name$/gm) ?? []).length < 2 || !replicas.includes(String(replica!.port)))
            return false;
        }
        return true;
      });
    } catch (error) {
      await Promise.all([master, replica, ...sentinels].map((s) => s?.kill()));
      await rm(dir, { recursive: true, force: true });
      throw error;
    }
    return new RedisSentinelProcesses(master, replica, sentinels, dir);
  }

  /** `sentinelRootNodes` for node-redis's `createSentinel`. */
  get sentinelRootNodes(): { host: string; port: number }[] {
    return this.sentinels.map((s) => ({ host: '127.0.0.1', port: s.port }));
  }

  /** The master's port as the first sentinel sees it. */
  async masterPort(): Promise<number> {
    const reply = await cli([
      '-p',
      String(this.sentinels[0]!.port),
      'sentinel',
      'get-master-addr-by-name',
      RedisSentinelProcesses.masterName,
    ]);
    return Number(reply.trim().split('\n')[1]);
  }

  /** Kills every process (by PID) and removes the directory. */
  async stop(): Promise<void> {
    await Promise.all([this.master, this.replica, ...this.sentinels].map((s) => s.kill()));
    await rm(this.dir, { recursive: true, force: true });
  }
}
