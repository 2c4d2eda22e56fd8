// NestJS: the CPU cost of @tokengate/nestjs's guard alone, per cached valid request — the guard's
// canActivate on a real Nest ExecutionContextHost, in process, without HTTP or Nest's router —
// next to the same loop with a guard that lets everything through (what building the request and
// the context costs). The difference is what the guard adds to a Nest route; compare it with the
// CPU time of a bare Nest route (bench/nest.mjs).
//
//   node bench/nest-guard.mjs [--requests N] [--rounds N]
import 'reflect-metadata';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host.js';
import { AUDIENCE, ISSUER, loadTokengate, makeKeys, median, parseArgs, signer } from './lib/common.mjs';

const args = parseArgs();
const N = Number(args.requests ?? 200_000);
const ROUNDS = Number(args.rounds ?? 7);
const tg = await loadTokengate('nestjs');
if (!tg.mod) throw new Error(tg.pending);
const core = (await loadTokengate('core')).mod;
const keys = makeKeys();
const now = Math.floor(Date.now() / 1000);

class Controller {
  get() {}
}

/** A request as Nest's Express platform hands it to guards (`req.res.req === req`). */
function request(token) {
  const req = {
    method: 'GET',
    url: '/',
    originalUrl: '/',
    headers: { authorization: `Bearer ${token}` },
    rawHeaders: ['Authorization', `Bearer ${token}`],
    socket: {},
  };
  req.res = { req };
  return req;
}

async function perRequest(guard, token) {
  const started = performance.now();
  for (let i = 0; i < N; i++) {
    const req = request(token);
    const context = new ExecutionContextHost([req, req.res, () => {}], Controller, Controller.prototype.get);
    context.setType('http');
    await guard.canActivate(context);
  }
  return ((performance.now() - started) * 1000) / N;
}

console.log(`nest guard: ${ROUNDS} rounds × ${N} calls (µs per call, median; the machine may be busy)`);
console.log('\n| alg | no-op guard | tokengate guard | the guard adds |');
console.log('|---|---:|---:|---:|');
for (const alg of ['HS256', 'RS256']) {
  const key = keys[alg];
  const token = signer(alg, key)({ sub: 'user-42', iss: ISSUER, aud: AUDIENCE, iat: now, exp: now + 3600 });
  const options = {
    ...(alg === 'HS256' ? { secret: key.secret } : { publicKey: key.publicPem }),
    issuer: ISSUER,
  };
  const guard = new tg.mod.TokengateGuard(core.createVerifier({ ...options, audience: AUDIENCE }));
  const noop = { canActivate: () => true };
  const base = [];
  const ours = [];
  for (let r = 0; r < ROUNDS; r++) {
    base.push(await perRequest(noop, token));
    ours.push(await perRequest(guard, token));
  }
  const [b, o] = [median(base), median(ours)];
  console.log(`| ${alg} | ${b.toFixed(2)} | ${o.toFixed(2)} | ${(o - b).toFixed(2)} |`);
}
