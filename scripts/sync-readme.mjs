// Copies each snippet file into the README (docs/recipes.md, packages/*/README.md) block that names it (<!-- snippet: path -->), so the
// README shows exactly the code the test suite runs. `examples/readme/test` checks they agree.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';

const root = new URL('..', import.meta.url).pathname;
const packageReadmes = readdirSync(`${root}packages`, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => `packages/${d.name}/README.md`)
  .filter((doc) => {
    try {
      return readFileSync(`${root}${doc}`, 'utf8').includes('<!-- snippet:');
    } catch {
      return false;
    }
  });
for (const doc of ['README.md', 'docs/recipes.md', ...packageReadmes]) {
  const readme = readFileSync(`${root}${doc}`, 'utf8');
  const synced = readme.replace(
    /(<!-- snippet: (\S+) -->\s*```\w*\n)([\s\S]*?)(```)/g,
    (_all, open, file, _body, close) =>
      `${open}${readFileSync(`${root}${file}`, 'utf8').trimEnd()}\n${close}`,
  );
  writeFileSync(`${root}${doc}`, synced);
  console.log(synced === readme ? `${doc} already in sync` : `${doc} updated from snippet files`);
}
