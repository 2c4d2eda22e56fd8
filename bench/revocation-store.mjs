#!/usr/bin/env node
// Cost of `revoke()` on the in-memory revocation store once it is full (issue 12 item 10: the
// store used to sort all 100,000 entries on every revoke at capacity, ~11 ms each).
//
//   pnpm build && node bench/revocation-store.mjs [--core DIR] [--entries 100000] [--revokes 20000]
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : process.argv[i + 1];
}
const coreDir = arg('core', new URL('../packages/core/dist/', import.meta.url).pathname);
const entries = Number(arg('entries', 100_000));
const revokes = Number(arg('revokes', 20_000));
const { createMemoryRevocationStore } = await import(
  pathToFileURL(`${coreDir.replace(/\/$/, '')}/index.js`).href
);

const store = createMemoryRevocationStore({ maxEntries: entries });
const exp = Math.floor(Date.now() / 1000) + 3600;
let start = performance.now();
for (let i = 0; i < entries; i++) await store.revoke(`fill-${i}`, exp + (i % 997));
const fill = ((performance.now() - start) * 1000) / entries;
start = performance.now();
const deadline = start + 30_000;
let n = 0;
for (; n < revokes && performance.now() < deadline; n++) await store.revoke(`more-${n}`, exp + 2000 + n);
const atCapacity = ((performance.now() - start) * 1000) / n;
console.log(`core: ${coreDir}`);
console.log(`filling to ${entries} entries: ${fill.toFixed(2)} µs per revoke`);
console.log(`at capacity (${store.size} entries, ${n} revokes): ${atCapacity.toFixed(2)} µs per revoke`);
