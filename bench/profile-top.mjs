// Prints the functions with the most self time in a V8 .cpuprofile (as written by `--cpu-prof`).
//
//   node bench/profile-top.mjs FILE.cpuprofile [--top N] [--filter TEXT]
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from './lib/common.mjs';

const args = parseArgs();
const file = process.argv.slice(2).find((a) => a.endsWith('.cpuprofile'));
if (!file) {
  console.error('usage: node bench/profile-top.mjs FILE.cpuprofile [--top N] [--filter TEXT]');
  process.exit(1);
}
const top = Number(args.top ?? 25);
const profile = JSON.parse(readFileSync(file, 'utf8'));

// Self time per node: samples × their time deltas.
const selfUs = new Map();
profile.samples.forEach((id, i) => {
  selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
});
const byFunction = new Map();
let total = 0;
for (const node of profile.nodes) {
  const us = selfUs.get(node.id) ?? 0;
  total += us;
  const { functionName, url, lineNumber } = node.callFrame;
  const where = url ? `${path.basename(url)}:${lineNumber + 1}` : '';
  const key = `${functionName || '(anonymous)'} ${where}`.trim();
  byFunction.set(key, (byFunction.get(key) ?? 0) + us);
}
const rows = [...byFunction.entries()]
  .filter(([key]) => !args.filter || key.includes(args.filter))
  .sort((a, b) => b[1] - a[1])
  .slice(0, top);
console.log(`${path.basename(file)}: ${(total / 1000).toFixed(0)} ms sampled`);
for (const [key, us] of rows) {
  console.log(
    `${((100 * us) / total).toFixed(1).padStart(5)} %  ${(us / 1000).toFixed(1).padStart(8)} ms  ${key}`,
  );
}
