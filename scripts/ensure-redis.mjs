#!/usr/bin/env node
// Makes sure `redis-server` is available for the @tokengate/redis tests (they start their own
// server on 127.0.0.1). Installs it with apt when missing and we are root; otherwise explains.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';

const onPath = () =>
  existsSync('/usr/bin/redis-server') ||
  (process.env.PATH ?? '').split(delimiter).some((dir) => dir && existsSync(join(dir, 'redis-server')));

if (onPath()) process.exit(0);

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
if (!isRoot) {
  console.error(
    'ensure-redis: `redis-server` is not installed and this user is not root.\n' +
      'Install it (Debian/Ubuntu: `sudo apt-get install -y redis-server`; macOS: `brew install redis`) and run again.',
  );
  process.exit(1);
}

const run = (args, timeoutMs) => {
  console.log(`ensure-redis: ${args.join(' ')}`);
  const result = spawnSync(args[0], args.slice(1), {
    stdio: ['ignore', 'ignore', 'inherit'],
    timeout: timeoutMs,
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  if (result.status !== 0) {
    const why = result.error ? result.error.message : `exit code ${result.status}`;
    console.error(`ensure-redis: \`${args.join(' ')}\` failed (${why}).`);
    process.exit(1);
  }
};

run(['apt-get', 'update', '-qq'], 5 * 60_000);
run(['apt-get', 'install', '-y', '-qq', '--no-install-recommends', 'redis-server'], 5 * 60_000);

if (!onPath()) {
  console.error('ensure-redis: apt-get reported success but `redis-server` is still not on PATH.');
  process.exit(1);
}
console.log('ensure-redis: redis-server installed.');
