// Copies each snippet file into the README block that names it (<!-- snippet: path -->), so the
// README shows exactly the code the test suite runs. `examples/readme/test` checks they agree.
import { readFileSync, writeFileSync } from 'node:fs';

const root = new URL('..', import.meta.url).pathname;
const readme = readFileSync(`${root}README.md`, 'utf8');
const synced = readme.replace(
  /(<!-- snippet: (\S+) -->\s*```\w*\n)([\s\S]*?)(```)/g,
  (_all, open, file, _body, close) => `${open}${readFileSync(`${root}${file}`, 'utf8').trimEnd()}\n${close}`,
);
writeFileSync(`${root}README.md`, synced);
console.log(synced === readme ? 'README already in sync' : 'README updated from snippet files');
