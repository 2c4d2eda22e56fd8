// Heap and timers per idle watched connection (bench/connections.mjs, bench/mcp-sessions.mjs).
// Needs `node --expose-gc`.

/**
 * Measures `rounds` times the heap that `n` watches started by `start()` hold (it returns one stop
 * function per watch), and counts the `setTimeout` calls made while they are started: the timers
 * they arm are unref'd, so `getActiveResourcesInfo` does not list them.
 * @returns `{ perWatch: number[] (bytes, sorted), median, timersArmed }`
 */
export async function measureWatches({ n, rounds, start }) {
  let timerCalls = 0;
  const realSetTimeout = globalThis.setTimeout;
  globalThis.setTimeout = (...args) => {
    timerCalls++;
    return realSetTimeout(...args);
  };
  const perWatch = [];
  let timersArmed = 0;
  try {
    for (let round = 0; round < rounds; round++) {
      const before = await settle();
      timerCalls = 0;
      let stops = start();
      timersArmed = timerCalls;
      const during = await settle();
      perWatch.push((during - before) / n);
      for (const stop of stops) stop();
      // A suspended async function keeps its registers: without this, the stopped watches would
      // stay reachable into the next round's `before`, and the difference would measure nothing.
      stops = undefined;
    }
  } finally {
    globalThis.setTimeout = realSetTimeout;
  }
  perWatch.sort((a, b) => a - b);
  return { perWatch, median: perWatch[Math.floor(perWatch.length / 2)], timersArmed };
}

async function settle() {
  for (let i = 0; i < 4; i++) {
    globalThis.gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
  return process.memoryUsage().heapUsed;
}
