// The project's documents, in one place for scripts/sync-readme.mjs, scripts/check-packages.mjs and
// examples/readme/test: which files hold snippets, which code blocks escaped being a snippet, and
// which links do not resolve.
//
// - `snippetDocuments`: README.md (the front page), every guide docs/*.md, every packages/*/README.md.
//   Their code blocks marked `<!-- snippet: path -->` are copies of files the test command runs.
// - `siteDocuments`: what TypeDoc renders into one site with the API reference (typedoc.json:
//   `readme` and `projectDocuments`): README.md, docs/*.md, SECURITY.md, CONTRIBUTING.md.
// - `brokenLinks`: every relative link (and anchor) in the site documents must name an existing
//   file (not a folder: TypeDoc cannot copy one) and heading, under GitHub's heading anchors and
//   TypeDoc's, which differ for some characters. Package READMEs are shown by npm outside the
//   repository, so they may only link by absolute URL; links to this repository on GitHub
//   (https://github.com/tokengate/tokengate/blob/main/…) are checked against the working tree.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, posix } from 'node:path';

const REPOSITORY = 'https://github.com/tokengate/tokengate';

/** README.md, docs/*.md (sorted) and packages/*\/README.md, as paths relative to `root`. */
export function snippetDocuments(root) {
  return ['README.md', ...guides(root), ...packageReadmes(root)];
}

/** The documents of the TypeDoc site: README.md, docs/*.md, SECURITY.md, CONTRIBUTING.md. */
export function siteDocuments(root) {
  return ['README.md', ...guides(root), 'SECURITY.md', 'CONTRIBUTING.md'];
}

function guides(root) {
  return readdirSync(join(root, 'docs'))
    .filter((file) => file.endsWith('.md'))
    .sort()
    .map((file) => `docs/${file}`);
}

function packageReadmes(root) {
  return readdirSync(join(root, 'packages'), { withFileTypes: true })
    .filter((dir) => dir.isDirectory())
    .map((dir) => `packages/${dir.name}/README.md`)
    .filter((doc) => existsSync(join(root, doc)));
}

/** A fenced code block in a language the test command could run, not marked as a snippet. */
const CODE_LANGUAGES = /^(js|mjs|cjs|jsx|ts|mts|cts|tsx|javascript|typescript)$/;

/** Line numbers (1-based) of JavaScript/TypeScript code blocks without a `<!-- snippet: -->` marker. */
export function unmarkedCodeBlocks(text) {
  const found = [];
  let fence;
  let previous = '';
  text.split('\n').forEach((line, i) => {
    const open = /^\s*(`{3,}|~{3,})\s*([\w+-]*)/.exec(line);
    if (fence) {
      if (open?.[1].startsWith(fence) && open[2] === '') fence = undefined;
    } else if (open) {
      fence = open[1];
      if (CODE_LANGUAGES.test(open[2]) && !/<!-- snippet: \S+ -->/.test(previous)) found.push(i + 1);
    }
    if (line.trim() !== '') previous = line;
  });
  return found;
}

/** The lines of `text`, those inside fenced code blocks (and the fences) blanked. */
function outsideFences(text) {
  let fence;
  return text.split('\n').map((line) => {
    const open = /^\s*(`{3,}|~{3,})/.exec(line);
    if (fence) {
      if (open?.[1].startsWith(fence)) fence = undefined;
      return '';
    }
    if (open) {
      fence = open[1];
      return '';
    }
    return line;
  });
}

/** The text outside fenced code blocks, inline code replaced by a placeholder of the same length. */
function prose(text) {
  return outsideFences(text)
    .map((line) => line.replace(/(`+)(.+?)\1/g, (span) => 'c'.repeat(span.length)))
    .join('\n');
}

/** The plain text of a heading as a renderer shows it: no inline-code ticks, links as their text. */
function headingText(markdown) {
  return markdown
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/<[^>]+>/g, '')
    .replace(/`/g, '')
    .replace(/\\(.)/g, '$1')
    .trim();
}

/** GitHub's heading anchor: lower case, punctuation dropped, each space a hyphen. */
export function githubSlug(text) {
  return text
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replace(/ /g, '-');
}

/** TypeDoc 0.28's heading anchor (its Slugger.serialize, lower-cased). */
export function typedocSlug(text) {
  const slug = text
    .trim()
    .replace(/[\u2000-\u206F\u2E00-\u2E7F\\'!"#$%&()*+,./:;<=>?@[\]^`{|}~]/g, '')
    .replace(/\s/g, '-')
    .replace(/--+/, '-');
  return (slug || '_').toLocaleLowerCase();
}

/** The anchors of a Markdown file under one slug function, duplicates numbered as both renderers do. */
function anchorsOf(text, slug) {
  const seen = new Map();
  const anchors = new Set();
  for (const line of outsideFences(text)) {
    const heading = /^ {0,3}#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!heading) continue;
    const base = slug(headingText(heading[1]));
    const count = seen.get(base);
    seen.set(base, (count ?? -1) + 1);
    anchors.add(count === undefined ? base : `${base}-${count + 1}`);
  }
  for (const [, id] of text.matchAll(/<a\s+(?:name|id)="([^"]+)"/g)) anchors.add(id);
  return anchors;
}

/**
 * Every link in the documents that does not resolve, as `"doc: link — why"` strings (empty when all
 * resolve). `docs` defaults to the site documents and the package READMEs.
 */
export function brokenLinks(root, docs = [...siteDocuments(root), ...packageReadmes(root)]) {
  const site = new Set(siteDocuments(root));
  const cache = new Map();
  const anchors = (file, slug) => {
    const key = `${file}\0${slug.name}`;
    if (!cache.has(key)) cache.set(key, anchorsOf(readFileSync(join(root, file), 'utf8'), slug));
    return cache.get(key);
  };
  const broken = [];
  for (const doc of docs) {
    const text = readFileSync(join(root, doc), 'utf8');
    const isPackageReadme = doc.startsWith('packages/');
    const links = [
      ...[...prose(text).matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => m[1]),
      ...[...prose(text).matchAll(/^\s*\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+"[^"]*")?\s*$/gm)].map((m) => m[1]),
      ...[...prose(text).matchAll(/<a\s[^>]*href="([^"]+)"/g)].map((m) => m[1]),
    ];
    for (const link of links) {
      let target;
      if (link.startsWith(`${REPOSITORY}/blob/`) || link.startsWith(`${REPOSITORY}/tree/`)) {
        target = link.slice(REPOSITORY.length).replace(/^\/(blob|tree)\/[^/]+\//, '');
      } else if (link === `${REPOSITORY}#readme` || link === REPOSITORY) {
        continue;
      } else if (/^[a-z][a-z0-9+.-]*:/i.test(link) || link.startsWith('//')) {
        continue; // another site
      } else if (isPackageReadme) {
        broken.push(
          `${doc}: ${link} — npm shows this README outside the repository: use ${REPOSITORY}/blob/main/…`,
        );
        continue;
      } else {
        target = link;
      }
      const hash = target.indexOf('#');
      const path = hash === -1 ? target : target.slice(0, hash);
      const anchor = hash === -1 ? undefined : decodeURIComponent(target.slice(hash + 1));
      const base = link === target ? posix.dirname(doc) : '.';
      const file = path === '' ? doc : posix.normalize(posix.join(base, decodeURIComponent(path)));
      if (file.startsWith('..') || !existsSync(join(root, file))) {
        broken.push(`${doc}: ${link} — no file ${file}`);
        continue;
      }
      if (statSync(join(root, file)).isDirectory() && !link.startsWith(`${REPOSITORY}/tree/`)) {
        broken.push(`${doc}: ${link} — ${file} is a folder (TypeDoc copies only files): link a file in it`);
        continue;
      }
      if (anchor === undefined || /^L\d+(-L\d+)?$/.test(anchor)) continue;
      if (!file.endsWith('.md')) {
        broken.push(`${doc}: ${link} — an anchor into a file that has no headings`);
        continue;
      }
      if (!anchors(file, githubSlug).has(anchor))
        broken.push(`${doc}: ${link} — no heading of ${file} has the anchor #${anchor}`);
      else if (site.has(file) && !anchors(file, typedocSlug).has(anchor))
        broken.push(
          `${doc}: ${link} — TypeDoc's site spells this heading's anchor differently from GitHub (punctuation): reword the heading or link another`,
        );
    }
  }
  return broken;
}
