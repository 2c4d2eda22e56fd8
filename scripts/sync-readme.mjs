// Copies each snippet file into the README (and docs/recipes.md) block that names it (<!-- snippet: path -->), so the
// README shows exactly the code the test suite runs. `examples/readme/test` checks they agree.
import { readFileSync, writeFileSync } from 'node:fs';

const root = new URL('..', import.meta.url).pathname;
for (const doc of ['README.md', 'docs/recipes.md']) {
  const readme = readFileSync(`${root}${doc}`, 'utf8');
  const synced = readme.replace(
    /(<!-- snippet: (\S+) -->\s*```\w*\n)([\s\S]*?)(```)/g,
    (_all, open, file, _body, close) =>
      `${open}${readFileSync(`${root}${file}`, 'utf8').trimEnd()}\n${close}`,
  );
  writeFileSync(`${root}${doc}`, synced);
  console.log(synced === readme ? `${doc} already in sync` : `${doc} updated from snippet files`);
}
