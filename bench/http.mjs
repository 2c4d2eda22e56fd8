// HTTP benchmark: req/s and p50/p99 latency for Express, Koa, Hono and Fastify — the bare route, each peer
// middleware that fits, and tokengate's jwtAuth — on the valid-token and the bad-signature path,
// as ratios to the framework's bare route. Every server runs in its own child process; load comes
// from another child process (autocannon) on 127.0.0.1, bounded in time, in alternating rounds.
//
//   node bench/http.mjs [--quick|--full] [--json FILE] [--connections N] [--only NAME]
//                       [--frameworks fastify,koa] [--cpu-prof [DIR]]
//   (e.g. `--only tokengate --cpu-prof` profiles tokengate's servers into bench/results/profiles)
import { fork } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  AUDIENCE,
  exitWithParent,
  fmtRate,
  fmtRatio,
  ISSUER,
  loadTokengate,
  machineInfo,
  makeKeys,
  median,
  parseArgs,
  signer,
  tamper,
  versionOf,
} from './lib/common.mjs';

export const PROFILES = {
  // --quick warms up by a request count instead of a timed autocannon run (which autocannon rounds
  // up to whole seconds).
  quick: { warmRequests: 500, cellS: 1, rounds: 1, connections: 10 },
  // Many short rounds rather than a few long ones: on a shared machine, a median of 4 resists a
  // burst of outside load better than a median of 2.
  default: { warmRequests: 1000, cellS: 1, rounds: 4, connections: 10 },
  full: { warmS: 2, cellS: 3, rounds: 6, connections: 10 },
};

/** Every server configuration: framework × middleware × algorithm. */
export const SERVERS = [
  { framework: 'express', middleware: 'bare', algs: ['HS256'] },
  { framework: 'express', middleware: 'no-op', algs: ['HS256'] },
  { framework: 'express', middleware: 'HMAC check (floor)', algs: ['HS256'] },
  { framework: 'express', middleware: 'tokengate', algs: ['HS256', 'RS256'], tokengate: 'express' },
  { framework: 'express', middleware: 'express-jwt', algs: ['HS256', 'RS256'] },
  { framework: 'express', middleware: 'express-oauth2-jwt-bearer', algs: ['HS256', 'RS256'] },
  { framework: 'koa', middleware: 'bare', algs: ['HS256'] },
  { framework: 'koa', middleware: 'no-op', algs: ['HS256'] },
  { framework: 'koa', middleware: 'HMAC check (floor)', algs: ['HS256'] },
  { framework: 'koa', middleware: 'tokengate', algs: ['HS256', 'RS256'], tokengate: 'koa' },
  { framework: 'koa', middleware: 'koa-jwt', algs: ['HS256', 'RS256'] },
  // Issue 26, item 13: refusals answered in place instead of thrown to the framework's error path.
  { framework: 'koa', middleware: "tokengate (refusals: 'respond')", algs: ['HS256'], tokengate: 'koa' },
  { framework: 'hono', middleware: 'bare', algs: ['HS256'] },
  { framework: 'hono', middleware: 'no-op', algs: ['HS256'] },
  { framework: 'hono', middleware: 'HMAC check (floor)', algs: ['HS256'] },
  { framework: 'hono', middleware: 'tokengate', algs: ['HS256', 'RS256'], tokengate: 'hono' },
  { framework: 'hono', middleware: 'hono/jwt', algs: ['HS256', 'RS256'] },
  { framework: 'hono', middleware: 'hono/jwk', algs: ['RS256'] },
  { framework: 'hono', middleware: "tokengate (refusals: 'respond')", algs: ['HS256'], tokengate: 'hono' },
  // Fastify (issue 22): the verified-token cache against fast-jwt's, and both without a cache.
  { framework: 'fastify', middleware: 'bare', algs: ['HS256'] },
  { framework: 'fastify', middleware: 'no-op', algs: ['HS256'] },
  { framework: 'fastify', middleware: 'HMAC check (floor)', algs: ['HS256'] },
  { framework: 'fastify', middleware: 'tokengate', algs: ['HS256', 'RS256', 'ES256'], tokengate: 'fastify' },
  {
    framework: 'fastify',
    middleware: 'tokengate (cache: false)',
    algs: ['RS256', 'ES256'],
    tokengate: 'fastify',
  },
  { framework: 'fastify', middleware: '@fastify/jwt (cache)', algs: ['HS256', 'RS256', 'ES256'] },
  { framework: 'fastify', middleware: '@fastify/jwt', algs: ['HS256', 'RS256', 'ES256'] },
  // NestJS (issue 21) on platform-express: @tokengate/nestjs's global guard against the bare route
  // and @nestjs/passport + passport-jwt (bench/lib/nest.mjs).
  { framework: 'nestjs', middleware: 'bare', algs: ['HS256'] },
  { framework: 'nestjs', middleware: 'tokengate', algs: ['HS256', 'RS256'], tokengate: 'nestjs' },
  { framework: 'nestjs', middleware: '@nestjs/passport', algs: ['HS256', 'RS256'] },
];

export const FRAMEWORKS = ['express', 'koa', 'hono', 'fastify', 'nestjs'];

/** What each adapter exports that makes it benchmarkable (`jwtAuth`; the Nest module). */
const ENTRY = { nestjs: 'TokengateModule' };

/** The bare route and the no-op middleware: the floors every middleware is measured against. */
function isFloor(middleware) {
  return middleware === 'bare' || middleware === 'no-op';
}

/** The CPU time (µs) a benchmark server has used so far. */
async function cpuOf(child) {
  child.send({ type: 'cpu' });
  return (await nextMessage(child, 'cpu', 5000)).us;
}

const SERVER_JS = fileURLToPath(new URL('./lib/server.mjs', import.meta.url));
const LOAD_JS = fileURLToPath(new URL('./lib/load.mjs', import.meta.url));

const children = new Set();
function killAll() {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}
process.on('exit', killAll);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    killAll();
    process.exit(130);
  });
}

function spawnChild(file, execArgv = []) {
  const child = fork(file, [], {
    execArgv,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, NODE_ENV: 'production' },
  });
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

/** Waits for the next IPC message of a type, or fails after `ms` (or when the child dies). */
function nextMessage(child, type, ms) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => done(new Error(`no '${type}' from child within ${ms} ms`)), ms);
    const onMessage = (msg) => {
      if (msg?.type === type) done(null, msg);
      else if (msg?.type === 'error') done(new Error(msg.message));
    };
    const onExit = (code) => done(new Error(`child exited (${code}) before '${type}'`));
    function done(err, msg) {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
      err ? reject(err) : resolve(msg);
    }
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

async function stopChild(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  if (child.connected) child.send({ type: 'stop' });
  const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
  await exited;
  clearTimeout(timer);
}

async function startServer(config, execArgv) {
  const child = spawnChild(SERVER_JS, execArgv);
  await nextMessage(child, 'hello', 10_000);
  child.send({ type: 'start', config });
  const { port } = await nextMessage(child, 'ready', 15_000);
  return { child, url: `http://127.0.0.1:${port}/` };
}

let jobId = 0;
async function runLoad(loader, job) {
  const id = ++jobId;
  loader.send({ type: 'run', id, ...job });
  for (;;) {
    const msg = await nextMessage(loader, 'result', ((job.duration ?? 10) + 20) * 1000);
    if (msg.id === id) return msg;
  }
}

/**
 * @param options.only - run only the middlewares whose name contains this text (plus the bare routes).
 * @param options.cpuProf - write a `node --cpu-prof` profile of every server (not the bare ones) to
 *   this directory, named after the cell; the load generator is not profiled.
 */
export async function runHttp({
  profile = 'default',
  connections,
  only,
  frameworks: onlyFrameworks = FRAMEWORKS,
  cpuProf,
  log = console.log,
} = {}) {
  const settings = { ...PROFILES[profile] };
  if (connections) settings.connections = Number(connections);
  const machine = machineInfo();
  log(
    `http: Node ${machine.node}, ${machine.cpu} × ${machine.cores}, profile ${profile} ` +
      `(${settings.rounds} round(s), ${settings.cellS} s per cell, ` +
      `${settings.connections} connections)`,
  );

  const keys = makeKeys();
  const now = Math.floor(Date.now() / 1000);
  const claims = {
    sub: 'user-42',
    iss: ISSUER,
    aud: AUDIENCE,
    iat: now,
    exp: now + 6 * 3600,
    scope: 'read write',
  };
  const tokens = {};
  for (const alg of ['HS256', 'RS256', 'ES256']) {
    const valid = signer(alg, keys[alg])(claims);
    tokens[alg] = { valid, bad: tamper(valid) };
  }

  // Which tokengate adapters exist now.
  const tokengate = {};
  for (const name of FRAMEWORKS) {
    const loaded = await loadTokengate(name);
    tokengate[name] =
      loaded.mod && typeof loaded.mod[ENTRY[name] ?? 'jwtAuth'] === 'function'
        ? { present: true, version: loaded.version }
        : { pending: loaded.pending ?? `@tokengate/${name} does not export ${ENTRY[name] ?? 'jwtAuth'} yet` };
  }

  // cells: one per (server config, alg, path).
  const cells = [];
  const servers = [];
  for (const s of SERVERS) {
    for (const alg of s.algs) {
      const paths = isFloor(s.middleware) ? ['valid'] : ['valid', 'bad'];
      const pending = s.tokengate && tokengate[s.tokengate].pending;
      const server = { framework: s.framework, middleware: s.middleware, alg, paths, pending, cells: [] };
      for (const path of paths) {
        const cell = { framework: s.framework, middleware: s.middleware, alg, path, rounds: [] };
        if (pending) cell.pending = pending;
        cells.push(cell);
        server.cells.push(cell);
      }
      servers.push(server);
    }
  }
  const active = servers.filter(
    (s) =>
      !s.pending &&
      onlyFrameworks.includes(s.framework) &&
      (!only || isFloor(s.middleware) || s.middleware.includes('(floor)') || s.middleware.includes(only)),
  );

  const loader = spawnChild(LOAD_JS);
  await nextMessage(loader, 'hello', 10_000);
  const started = performance.now();
  try {
    for (let r = 0; r < settings.rounds; r++) {
      // Framework by framework (reversed every other round); within one, the bare route is measured
      // first and last, so each middleware's ratio has a denominator taken around it.
      const frameworks = r % 2 === 0 ? onlyFrameworks : [...onlyFrameworks].reverse();
      const order = frameworks.flatMap((fw) => {
        const bare = active.filter((s) => s.framework === fw && s.middleware === 'bare');
        const rest = active.filter((s) => s.framework === fw && s.middleware !== 'bare');
        return [...bare, ...(r % 2 === 0 ? rest : rest.reverse()), ...bare];
      });
      for (const server of order) {
        const label = `${server.framework} ${server.middleware} ${server.alg}`;
        let handle;
        try {
          const name = `${server.framework}-${server.middleware.replace(/\W+/g, '-')}-${server.alg}-r${r + 1}`;
          const execArgv =
            cpuProf && server.middleware !== 'bare'
              ? ['--cpu-prof', `--cpu-prof-dir=${cpuProf}`, `--cpu-prof-name=${name}.cpuprofile`]
              : [];
          handle = await startServer(
            { framework: server.framework, middleware: server.middleware, alg: server.alg, keys },
            execArgv,
          );
        } catch (err) {
          for (const cell of server.cells)
            cell.error = `server failed to start: ${err.message.split('\n')[0]}`;
          log(`  ${label}: server failed: ${err.message}`);
          continue;
        }
        try {
          const headersFor = (path) => ({ authorization: `Bearer ${tokens[server.alg][path]}` });
          // Warm-up over every path at once (discarded), then each path measured; path order
          // alternates by round.
          await runLoad(loader, {
            url: handle.url,
            headersList: server.paths.map(headersFor),
            duration: settings.warmS,
            amount: settings.warmRequests,
            connections: settings.connections,
          });
          const cellsInOrder = r % 2 === 0 ? server.cells : [...server.cells].reverse();
          for (const cell of cellsInOrder) {
            const cpuBefore = await cpuOf(handle.child);
            const res = await runLoad(loader, {
              url: handle.url,
              headers: headersFor(cell.path),
              duration: settings.cellS,
              connections: settings.connections,
            });
            const answered = Object.values(res.statusCounts ?? {}).reduce((n, c) => n + c, 0);
            const cpuUs = answered > 0 ? ((await cpuOf(handle.child)) - cpuBefore) / answered : undefined;
            const expected = cell.path === 'valid' ? 200 : 401;
            if (res.error) cell.error = res.error;
            else if (res.probeStatus !== expected) {
              cell.error = `expected ${expected}, the probe got ${res.probeStatus}`;
            } else {
              const wrong = Object.entries(res.statusCounts)
                .filter(([code]) => Number(code) !== expected)
                .reduce((n, [, c]) => n + c, 0);
              cell.rounds.push({
                round: r,
                rps: res.rps,
                cpuUs,
                p50: res.p50,
                p99: res.p99,
                wrong,
                errors: res.errors,
              });
            }
            const last = cell.rounds.at(-1);
            log(
              `  [${((performance.now() - started) / 1000).toFixed(1)} s] r${r + 1} ${label} ${cell.path}: ` +
                (cell.error
                  ? `ERROR ${cell.error}`
                  : `${fmtRate(last.rps)} req/s p50 ${last.p50} ms p99 ${last.p99} ms`),
            );
          }
        } finally {
          await stopChild(handle.child);
        }
      }
    }
  } finally {
    await stopChild(loader);
  }
  log(`  http done in ${Math.round((performance.now() - started) / 1000)} s`);

  for (const cell of cells) {
    if (cell.rounds.length === 0) continue;
    cell.rps = median(cell.rounds.map((x) => x.rps));
    cell.p50 = median(cell.rounds.map((x) => x.p50));
    cell.p99 = median(cell.rounds.map((x) => x.p99));
    const cpu = cell.rounds.map((x) => x.cpuUs).filter((x) => x !== undefined);
    cell.cpuUs = cpu.length ? median(cpu) : undefined;
    cell.wrong = cell.rounds.reduce((n, x) => n + x.wrong + x.errors, 0);
  }
  for (const cell of cells) {
    const bare = cells.find((c) => c.framework === cell.framework && c.middleware === 'bare');
    if (cell.rps === undefined || !bare?.rps) continue;
    // The median of per-round ratios: each against the bare route measured in the same round.
    const ratios = cell.rounds
      .map((x) => x.rps / median(bare.rounds.filter((b) => b.round === x.round).map((b) => b.rps)))
      .filter(Number.isFinite);
    cell.ratio = ratios.length ? median(ratios) : cell.rps / bare.rps;
  }

  return {
    machine,
    profile,
    settings,
    versions: {
      express: versionOf('express'),
      koa: versionOf('koa'),
      hono: versionOf('hono'),
      '@hono/node-server': versionOf('@hono/node-server'),
      'express-jwt': versionOf('express-jwt'),
      'express-oauth2-jwt-bearer': versionOf('express-oauth2-jwt-bearer'),
      'koa-jwt': versionOf('koa-jwt'),
      fastify: versionOf('fastify'),
      '@fastify/jwt': versionOf('@fastify/jwt'),
      '@nestjs/core': versionOf('@nestjs/core'),
      '@nestjs/passport': versionOf('@nestjs/passport'),
      'passport-jwt': versionOf('passport-jwt'),
      autocannon: versionOf('autocannon'),
    },
    tokengate,
    cells,
  };
}

function latency(cell) {
  return cell.p50 === undefined ? '—' : `${cell.p50} / ${cell.p99}`;
}

export function httpTables(report) {
  const lines = [];
  for (const fw of FRAMEWORKS) {
    if (!report.cells.some((c) => c.framework === fw && c.rps !== undefined)) continue;
    lines.push(
      `**${fw}**`,
      '',
      '| route | alg | valid token: req/s | × bare | server CPU µs/req | p50 / p99 ms | bad signature: req/s | × bare | server CPU µs/req | p50 / p99 ms |',
      '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|',
    );
    const rows = report.cells.filter((c) => c.framework === fw && c.path === 'valid');
    for (const v of rows) {
      const b = report.cells.find(
        (c) => c.framework === fw && c.middleware === v.middleware && c.alg === v.alg && c.path === 'bad',
      );
      const show = (c) => {
        if (!c) return ['', '', '', ''];
        if (c.pending) return ['pending', '', '', ''];
        if (c.error) return ['error', '', '', ''];
        const cpu = c.cpuUs === undefined ? '—' : c.cpuUs.toFixed(1);
        return [fmtRate(c.rps), c.middleware === 'bare' ? '1.00×' : fmtRatio(c.ratio), cpu, latency(c)];
      };
      const name =
        v.middleware === 'bare' ? 'bare route' : v.middleware === 'no-op' ? 'no-op middleware' : v.middleware;
      lines.push(
        `| ${name} | ${isFloor(v.middleware) ? '—' : v.alg} | ${[...show(v), ...show(b)].join(' | ')} |`,
      );
    }
    lines.push('');
  }
  const notes = report.cells
    .filter((c) => c.error || c.wrong)
    .map((c) =>
      c.error
        ? `- ${c.framework} ${c.middleware} ${c.alg} ${c.path}: ${c.error}`
        : `- ${c.framework} ${c.middleware} ${c.alg} ${c.path}: ${c.wrong} responses with an unexpected status or a socket error`,
    );
  if (notes.length) lines.push('Problems seen:', '', ...notes, '');
  return lines.join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const args = parseArgs();
  exitWithParent();
  const report = await runHttp({
    profile: args.profile,
    connections: args.connections,
    only: typeof args.only === 'string' ? args.only : undefined,
    frameworks: typeof args.frameworks === 'string' ? args.frameworks.split(',') : undefined,
    cpuProf: args['cpu-prof'] === true ? 'bench/results/profiles' : args['cpu-prof'],
  });
  console.log(`\n${httpTables(report)}`);
  if (typeof args.json === 'string') writeFileSync(args.json, JSON.stringify(report, null, 2));
}
