// Copies each snippet file into the block that names it (<!-- snippet: path -->) in README.md, every
// guide in docs/ and every packages/*/README.md (scripts/packaging/documents.mjs lists them), so the
// documents show exactly the code the test suite runs. `examples/readme/test` checks they agree.
// It then reports what the test command would refuse: a JavaScript/TypeScript code block that is
// not a snippet, and a link or anchor that does not resolve.
//
//   node scripts/sync-readme.mjs           update the documents, then report
//   node scripts/sync-readme.mjs --check   change nothing; exit 1 if a document differs from its
//                                          snippet files, or on any report
import { readFileSync, writeFileSync } from 'node:fs';
import { brokenLinks, snippetDocuments, unmarkedCodeBlocks } from './packaging/documents.mjs';

const root = new URL('..', import.meta.url).pathname;
const checkOnly = process.argv.includes('--check');
let failed = false;
for (const doc of snippetDocuments(root)) {
  const text = readFileSync(`${root}${doc}`, 'utf8');
  const synced = text.replace(
    /(<!-- snippet: (\S+) -->\s*```\w*\n)([\s\S]*?)(```)/g,
    (_all, open, file, _body, close) =>
      `${open}${readFileSync(`${root}${file}`, 'utf8').trimEnd()}\n${close}`,
  );
  if (synced === text) {
    if (text.includes('<!-- snippet:')) console.log(`${doc} already in sync`);
  } else if (checkOnly) {
    failed = true;
    console.error(`${doc} differs from its snippet files (run node scripts/sync-readme.mjs)`);
  } else {
    writeFileSync(`${root}${doc}`, synced);
    console.log(`${doc} updated from snippet files`);
  }
  // Package READMEs may keep illustrative blocks; the front page and the guides may not.
  if (!doc.startsWith('packages/'))
    for (const line of unmarkedCodeBlocks(synced)) {
      failed = true;
      console.error(`${doc}:${line}: a code block that is not a snippet file (<!-- snippet: examples/… -->)`);
    }
}
for (const broken of brokenLinks(root)) {
  failed = true;
  console.error(`broken link: ${broken}`);
}
process.exit(failed ? 1 : 0);
