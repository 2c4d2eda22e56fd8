// The load generator (a child process of http.mjs, separate from every server): autocannon's
// programmatic API against 127.0.0.1, bounded in duration. One job at a time, over IPC.
import http from 'node:http';
import autocannon from 'autocannon';

process.on('disconnect', () => process.exit(0));
process.on('SIGTERM', () => process.exit(0));
setTimeout(() => process.exit(2), 30 * 60_000).unref();

/** One request, to check the status a cell answers before loading it. */
function probe(url, headers) {
  return new Promise((resolve) => {
    const req = http.get(url, { headers, timeout: 5000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    req.on('timeout', () => req.destroy(new Error('probe timed out')));
    req.on('error', (err) => resolve(`error: ${err.message}`));
  });
}

/**
 * One autocannon run: `headers` for every request, or `headersList` cycled request by request
 * (a warm-up over several paths); bounded by `duration` (s; autocannon rounds it up to whole
 * seconds).
 */
function load({ url, headers, headersList, duration, connections }) {
  return new Promise((resolve, reject) => {
    const opts = { url, headers, connections, pipelining: 1, duration };
    if (headersList) opts.requests = headersList.map((h) => ({ method: 'GET', path: '/', headers: h }));
    const instance = autocannon(opts, (err, result) => (err ? reject(err) : resolve(result)));
    // autocannon stops by itself after `duration`; this is the backstop.
    const guard = setTimeout(() => instance.stop(), (duration + 10) * 1000);
    instance.on('done', () => clearTimeout(guard));
  });
}

/** A short warm-up by request count (`amount` requests over `connections` keep-alive sockets). */
async function warm({ url, headersList, amount, connections }) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  let next = 0;
  const one = (headers) =>
    new Promise((resolve) => {
      const req = http.get(url, { agent, headers, timeout: 5000 }, (res) => {
        res.resume();
        res.on('end', resolve);
      });
      req.on('timeout', () => req.destroy());
      req.on('error', resolve);
    });
  const worker = async () => {
    while (next < amount) {
      const i = next++;
      await one(headersList[i % headersList.length]);
    }
  };
  await Promise.all(Array.from({ length: connections }, worker));
  agent.destroy();
}

process.on('message', async (msg) => {
  if (msg?.type !== 'run') return;
  const { id, url, headers } = msg;
  try {
    const probeStatus = await probe(url, headers ?? msg.headersList[0]);
    if (msg.amount) {
      await warm(msg);
      process.send({ type: 'result', id, probeStatus, warmed: msg.amount });
      return;
    }
    const result = await load(msg);
    const statusCounts = {};
    for (const [code, { count }] of Object.entries(result.statusCodeStats ?? {})) statusCounts[code] = count;
    process.send({
      type: 'result',
      id,
      probeStatus,
      rps: result.requests.total / result.duration,
      total: result.requests.total,
      p50: result.latency.p50,
      p99: result.latency.p99,
      errors: result.errors,
      timeouts: result.timeouts,
      statusCounts,
    });
  } catch (err) {
    process.send({ type: 'result', id, error: err?.message ?? String(err) });
  }
});
process.send?.({ type: 'hello' });
