// The `npm install …` lines of a Markdown document, with the section (## heading) each is in.
// The packaging check installs exactly these; the README test checks every snippet's imports
// against them.

/**
 * @param {string} markdown
 * @returns {{ section: string, dev: boolean, packages: string[], line: string }[]}
 */
export function installLines(markdown) {
  const found = [];
  let section = '';
  let fence = null; // the open code fence's language, or null outside a block
  for (const line of markdown.split('\n')) {
    const open = /^```(\w*)/.exec(line);
    if (open) {
      fence = fence === null ? open[1] : null;
      continue;
    }
    if (fence === null) {
      if (line.startsWith('## ')) section = line.slice(3).trim();
      continue;
    }
    if (!['sh', 'bash', 'shell'].includes(fence)) continue;
    const command = line.split('#')[0].split(/&&|;/)[0].trim();
    if (!/^npm (install|i|add)\s/.test(command)) continue;
    const words = command.split(/\s+/).slice(2);
    const packages = words.filter((w) => !w.startsWith('-'));
    const dev = words.some((w) => w === '--save-dev' || w === '-D');
    if (words.includes('--global') || words.includes('-g')) continue;
    found.push({ section, dev, packages, line: command });
  }
  return found;
}

/** The package name of a bare import specifier (`@scope/name/sub` → `@scope/name`), or null. */
export function packageOf(specifier) {
  if (specifier.startsWith('.') || specifier.startsWith('/') || specifier.startsWith('node:')) return null;
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/** The bare package names a JS/TS module imports (static `import … from`, `import '…'`, `declare module '…'`). */
export function importedPackages(source) {
  const names = new Set();
  for (const m of source.matchAll(/(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]/g))
    names.add(m[1]);
  for (const m of source.matchAll(/(?:^|\n)\s*import\s+['"]([^'"]+)['"]/g)) names.add(m[1]);
  for (const m of source.matchAll(/import\(\s*['"]([^'"]+)['"]\s*\)/g)) names.add(m[1]);
  for (const m of source.matchAll(/declare module\s+['"]([^'"]+)['"]/g)) names.add(m[1]);
  return [...names].map(packageOf).filter((n) => n !== null);
}
