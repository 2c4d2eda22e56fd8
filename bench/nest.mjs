// NestJS: what @tokengate/nestjs's global guard costs a cached valid request, against the same Nest
// route bare and against @nestjs/passport + passport-jwt — measured as the server's CPU time per
// request (process.cpuUsage of the server process), which a busy machine disturbs far less than
// req/s. On an idle machine a CPU-bound server's throughput is inversely proportional to it, so
// "× bare" = CPU per bare request / CPU per request of the cell (1.00× = free).
//
//   node bench/nest.mjs [--rounds N] [--requests N] [--connections N] [--cells tokengate,...]
//
// Every server runs in its own child process (bench/lib/server.mjs, the cells of bench/http.mjs);
// rounds interleave the cells (order reversed every other round); the figure is the median of
// per-round ratios against the bare route measured in the same round.
import { fork } from 'node:child_process';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import { AUDIENCE, exitWithParent, ISSUER, makeKeys, median, parseArgs, signer } from './lib/common.mjs';

const args = parseArgs();
const ROUNDS = Number(args.rounds ?? 7);
const REQUESTS = Number(args.requests ?? 4000);
const CONNECTIONS = Number(args.connections ?? 10);
const CELLS = [
  { middleware: 'bare', alg: 'HS256' },
  { middleware: 'noop guard', alg: 'HS256' },
  { middleware: 'tokengate', alg: 'HS256' },
  { middleware: 'tokengate (@Req)', alg: 'HS256' },
  { middleware: 'tokengate', alg: 'RS256' },
  { middleware: '@nestjs/passport', alg: 'HS256' },
  { middleware: '@nestjs/passport', alg: 'RS256' },
];
// --cells tokengate,bare: only the cells whose middleware is listed (the bare route always).
if (typeof args.cells === 'string') {
  const wanted = new Set(['bare', ...args.cells.split(',')]);
  CELLS.splice(0, CELLS.length, ...CELLS.filter((cell) => wanted.has(cell.middleware)));
}
const SERVER_JS = fileURLToPath(new URL('./lib/server.mjs', import.meta.url));
exitWithParent();

function next(child, type) {
  return new Promise((resolve, reject) => {
    const onMessage = (msg) => {
      if (msg?.type === type) done(null, msg);
      else if (msg?.type === 'error') done(new Error(msg.message));
    };
    const timer = setTimeout(() => done(new Error(`no '${type}' within 30 s`)), 30_000);
    function done(err, msg) {
      clearTimeout(timer);
      child.off('message', onMessage);
      err ? reject(err) : resolve(msg);
    }
    child.on('message', onMessage);
  });
}

async function start(cell, keys) {
  const child = fork(SERVER_JS, [], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, NODE_ENV: 'production' },
  });
  await next(child, 'hello');
  child.send({ type: 'start', config: { framework: 'nestjs', ...cell, keys } });
  const { port } = await next(child, 'ready');
  return { child, url: `http://127.0.0.1:${port}/` };
}

async function cpu(child) {
  child.send({ type: 'cpu' });
  const { us } = await next(child, 'cpu');
  return us;
}

/** `amount` requests over `CONNECTIONS` keep-alive sockets; returns the statuses seen. */
async function load(url, headers, amount) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  const statuses = {};
  let sent = 0;
  const one = () =>
    new Promise((resolve) => {
      const req = http.get(url, { agent, headers }, (res) => {
        res.resume();
        res.on('end', () => {
          statuses[res.statusCode] = (statuses[res.statusCode] ?? 0) + 1;
          resolve();
        });
      });
      req.on('error', (err) => {
        statuses[err.code ?? 'error'] = (statuses[err.code ?? 'error'] ?? 0) + 1;
        resolve();
      });
    });
  const worker = async () => {
    while (sent < amount) {
      sent++;
      await one();
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: CONNECTIONS }, worker));
  agent.destroy();
  return { statuses, rps: amount / ((performance.now() - started) / 1000) };
}

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
const tokens = Object.fromEntries(['HS256', 'RS256'].map((alg) => [alg, signer(alg, keys[alg])(claims)]));
console.log(
  `nest: ${ROUNDS} rounds × ${REQUESTS} requests per cell, ${CONNECTIONS} connections (CPU time of the server)`,
);

const servers = [];
try {
  for (const cell of CELLS) servers.push({ cell, ...(await start(cell, keys)), rounds: [] });
  for (const server of servers)
    await load(server.url, { authorization: `Bearer ${tokens[server.cell.alg]}` }, 1000);
  for (let r = 0; r < ROUNDS; r++) {
    const order = r % 2 === 0 ? servers : [...servers].reverse();
    for (const server of order) {
      const before = await cpu(server.child);
      const { statuses, rps } = await load(
        server.url,
        { authorization: `Bearer ${tokens[server.cell.alg]}` },
        REQUESTS,
      );
      const used = (await cpu(server.child)) - before;
      if (Object.keys(statuses).some((code) => code !== '200'))
        throw new Error(`${server.cell.middleware}: ${JSON.stringify(statuses)}`);
      server.rounds.push({ round: r, cpu: used / REQUESTS, rps });
    }
  }
} finally {
  for (const server of servers) server.child.kill();
}

const bare = servers.find((s) => s.cell.middleware === 'bare');
console.log('\n| route | alg | CPU µs / request | × bare (CPU) | req/s (wall, busy machine) |');
console.log('|---|---|---:|---:|---:|');
for (const server of servers) {
  const ratios = server.rounds.map((x) => bare.rounds.find((b) => b.round === x.round).cpu / x.cpu);
  const name = server.cell.middleware === 'bare' ? 'bare route' : server.cell.middleware;
  console.log(
    `| ${name} | ${server.cell.middleware === 'bare' ? '—' : server.cell.alg} | ${median(server.rounds.map((x) => x.cpu)).toFixed(1)} | ${median(ratios).toFixed(2)}× | ${Math.round(median(server.rounds.map((x) => x.rps)))} |`,
  );
}
