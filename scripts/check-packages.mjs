// Packaging checks, on the tarballs users get (run last by `pnpm test`; `pnpm build` first):
//  1. pack every published package with pnpm (which turns `workspace:^` into real ranges and adds
//     the root LICENSE);
//  2. each tarball: README, LICENSE, complete metadata, no `workspace:` range, every source map
//     resolving inside the tarball; publint and arethetypeswrong on the tarball itself;
//  3. install the tarballs, with the third-party packages the documents' `npm install` lines name,
//     into a fresh npm project and a fresh strict pnpm project (isolated, nothing hoisted);
//  4. in both: each adapter's quick-start app against a local identity provider, and the CLI;
//  5. in the pnpm project: every snippet of README.md, the guides docs/*.md and the package READMEs
//     (scripts/packaging/documents.mjs lists them) type-checks under `strict` and runs
//     (examples/readme's test, with the snippets resolving the installed tarballs).
// Set TOKENGATE_KEEP_PACKED=1 to keep the temporary directory for inspection.
import { execFile, spawn } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, posix } from 'node:path';
import { promisify } from 'node:util';
import { snippetDocuments } from './packaging/documents.mjs';
import { installLines } from './packaging/install-lines.mjs';

const root = new URL('..', import.meta.url).pathname;
const bin = (name) => join(root, 'node_modules', '.bin', name);
const PNPM = ['npx', ['--yes', 'pnpm@10.34.9']];
const started = Date.now();
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;
const failures = [];

/** Runs a command (bounded by a timeout); resolves with stdout, rejects with its output. */
async function run(cmd, args, options = {}) {
  const { stdout } = await promisify(execFile)(cmd, args, {
    timeout: 120_000,
    maxBuffer: 64 * 1024 * 1024,
    ...options,
    env: { ...process.env, NO_COLOR: '1', ...options.env },
  }).catch((error) => {
    throw new Error(`${cmd} ${args.join(' ')}\n${error.stdout ?? ''}${error.stderr ?? ''}${error.message}`);
  });
  return stdout;
}
const pnpm = (args, options) => run(PNPM[0], [...PNPM[1], ...args], options);

/** Records the outcome of one named check. */
async function check(name, fn) {
  try {
    await fn();
    console.log(`ok   ${name} (${elapsed()})`);
  } catch (error) {
    failures.push(name);
    console.error(`FAIL ${name}\n${error instanceof Error ? error.message : error}`);
  }
}
const assert = (condition, message) => {
  if (!condition) throw new Error(message);
};

const work = mkdtempSync(join(tmpdir(), 'tokengate-packed-'));
const tarballs = join(work, 'tarballs');
try {
  // 1. Pack.
  const packages = readdirSync(join(root, 'packages'))
    .map((dir) => ({
      dir,
      pkg: JSON.parse(readFileSync(join(root, 'packages', dir, 'package.json'), 'utf8')),
    }))
    .filter(({ pkg }) => !pkg.private);
  mkdirSync(tarballs);
  await pnpm(
    ['-r', ...packages.flatMap(({ pkg }) => ['--filter', pkg.name]), 'pack', '--pack-destination', tarballs],
    {
      cwd: root,
    },
  );
  const npmPackRefused = check(
    'npm pack inside a package is refused (it would publish workspace: ranges)',
    async () => {
      // As a user runs it: not under pnpm, whose npm_config_* variables (the user agent among
      // them) npm would take as its own configuration.
      const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^npm_/i.test(name)));
      const npmPack = await promisify(execFile)('npm', ['pack', '--dry-run'], {
        cwd: join(root, 'packages', 'express'),
        env,
        timeout: 120_000,
      }).then(
        () => 'packed',
        (error) => `${error.stderr ?? ''}${error.message}`,
      );
      assert(/pack and publish with pnpm/.test(npmPack), `npm pack was not refused: ${npmPack}`);
    },
  );
  const tarballOf = (pkg) =>
    join(tarballs, `${pkg.name.replace('@', '').replace('/', '-')}-${pkg.version}.tgz`);
  console.log(`packed ${packages.length} packages (${elapsed()})`);

  // 2. Each tarball on its own (CPU-bound; runs while the installs below wait on the network).
  const rootPkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const tarballChecks = Promise.all(
    packages.map(async ({ dir, pkg }) => {
      const tgz = tarballOf(pkg);
      const unpacked = join(work, 'unpacked', dir);
      mkdirSync(unpacked, { recursive: true });
      await run('tar', ['xzf', tgz, '-C', unpacked]);
      const files = new Set(
        (await run('tar', ['tzf', tgz]))
          .split('\n')
          .filter(Boolean)
          .map((f) => f.replace(/^package\//, '')),
      );
      await check(`${pkg.name}: contents and metadata`, () => {
        const packed = JSON.parse(readFileSync(join(unpacked, 'package', 'package.json'), 'utf8'));
        for (const file of ['README.md', 'LICENSE', 'package.json'])
          assert(files.has(file), `no ${file} in the tarball`);
        const readme = readFileSync(join(unpacked, 'package', 'README.md'), 'utf8');
        assert(
          installLines(readme).some((line) => line.packages.includes(pkg.name)) ||
            readme.includes(`npm install --global ${pkg.name}`),
          'the README has no install line for the package',
        );
        assert(
          /MIT License/.test(readFileSync(join(unpacked, 'package', 'LICENSE'), 'utf8')),
          'LICENSE is not MIT',
        );
        assert(packed.license === 'MIT', 'license is not MIT');
        for (const field of ['description', 'author', 'homepage', 'keywords', 'engines', 'files'])
          assert(packed[field] !== undefined, `no "${field}"`);
        assert(packed.bugs?.url, 'no "bugs.url"');
        assert(
          packed.repository?.url === rootPkg.repository?.url,
          'repository.url differs from the root package.json',
        );
        assert(
          packed.repository?.directory === `packages/${dir}`,
          `repository.directory is not packages/${dir}`,
        );
        assert(
          packed.engines.node === rootPkg.engines.node,
          'engines.node differs from the root package.json',
        );
        const ranges = JSON.stringify([
          packed.dependencies,
          packed.peerDependencies,
          packed.optionalDependencies,
        ]);
        assert(!ranges.includes('workspace:'), `a workspace: range was published: ${ranges}`);
      });
      await check(`${pkg.name}: every export resolves inside the tarball`, () => {
        const packed = JSON.parse(readFileSync(join(unpacked, 'package', 'package.json'), 'utf8'));
        const entries = Object.entries(packed.exports ?? {}).filter(([path]) => path !== './package.json');
        // The core's entries: applications use `.`, adapters and stores `./adapter`, tests
        // `./testing`, identity-provider presets `./presets`.
        if (pkg.name === '@tokengate/core') {
          const paths = entries.map(([path]) => path).join(' ');
          assert(
            paths === '. ./adapter ./testing ./presets',
            `exports are ${paths}, expected . ./adapter ./testing ./presets`,
          );
        }
        for (const [path, target] of entries) {
          for (const file of [target.types, target.default]) {
            assert(typeof file === 'string', `exports["${path}"] lacks types or default`);
            assert(
              files.has(posix.normalize(file)),
              `exports["${path}"] points at ${file}, not in the tarball`,
            );
          }
        }
      });
      await check(`${pkg.name}: every source map resolves inside the tarball`, () => {
        const maps = [...files].filter((f) => f.endsWith('.map'));
        assert(maps.length > 0, 'no source maps');
        for (const map of maps) {
          const { sources } = JSON.parse(readFileSync(join(unpacked, 'package', map), 'utf8'));
          for (const source of sources) {
            const target = posix.normalize(posix.join(posix.dirname(map), source));
            assert(files.has(target), `${map} points at ${source}, which is not in the tarball`);
          }
        }
      });
      await check(`publint ${pkg.name}`, () => run(bin('publint'), ['run', tgz, '--strict']));
      await check(`attw ${pkg.name}`, () =>
        run(bin('attw'), [tgz, '--profile', 'esm-only', '--format', 'table-flipped']),
      );
    }),
  );

  // 3. Fresh projects: every tarball, plus the third-party packages the docs' install lines name.
  const docs = snippetDocuments(root).map((doc) => readFileSync(join(root, doc), 'utf8'));
  const lines = docs.flatMap(installLines);
  const spec = (name) => {
    const own = packages.find(({ pkg }) => pkg.name === name);
    return own ? `file:${tarballOf(own.pkg)}` : 'latest';
  };
  const dependencies = {};
  const devDependencies = {};
  for (const { pkg } of packages) dependencies[pkg.name] = spec(pkg.name);
  for (const line of lines)
    for (const name of line.packages) (line.dev ? devDependencies : dependencies)[name] = spec(name);
  const own = Object.fromEntries(packages.map(({ pkg }) => [pkg.name, `$${pkg.name}`]));
  const project = (name, extra) => {
    const dir = join(work, name);
    mkdirSync(dir);
    writeFileSync(
      join(dir, 'package.json'),
      JSON.stringify(
        {
          name: `tokengate-${name}-app`,
          private: true,
          type: 'module',
          dependencies,
          devDependencies,
          ...extra,
        },
        null,
        2,
      ),
    );
    cpSync(join(root, 'scripts', 'packaging', 'run-app.mjs'), join(dir, 'run-app.mjs'));
    return dir;
  };
  // npm: `$name` points the adapters' own @tokengate/core dependency at the tarball too.
  const npmDir = project('npm', { overrides: own });
  // pnpm, strict: isolated node_modules, nothing hoisted, so an undeclared import fails.
  const pnpmDir = project('pnpm', {
    pnpm: { overrides: Object.fromEntries(packages.map(({ pkg }) => [pkg.name, spec(pkg.name)])) },
  });
  writeFileSync(join(pnpmDir, '.npmrc'), 'node-linker=isolated\nhoist=false\npublic-hoist-pattern=\n');
  await Promise.all([
    check('npm install of the tarballs', () =>
      run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], {
        cwd: npmDir,
      }),
    ),
    check('pnpm install (strict) of the tarballs', () =>
      pnpm(['install', '--prefer-offline'], { cwd: pnpmDir }),
    ),
  ]);
  console.log(`installed (${elapsed()})`);

  // 4. The quick-start apps and the CLI, from each project.
  const quickStarts = [
    ['express', 'examples/readme/express-quickstart.mjs', '/orders'],
    ['koa', 'examples/readme/koa-quickstart.mjs', '/orders'],
    ['hono', 'examples/readme/hono-quickstart.mjs', '/api/orders'],
    ['fastify', 'examples/readme/fastify-quickstart.mjs', '/orders'],
    ['nestjs', 'examples/readme/nestjs-quickstart.ts', '/orders'],
  ];
  /**
   * A TypeScript quick start (NestJS: legacy decorators) is compiled first, as a Nest project
   * compiles it (experimentalDecorators, emitDecoratorMetadata), against the project's packages.
   */
  const compiled = async (cwd, file) => {
    if (!file.endsWith('.ts')) return basename(file);
    const out = join(cwd, 'compiled');
    await run(
      bin('tsc'),
      [
        basename(file),
        ...['--outDir', out, '--target', 'ES2022', '--module', 'NodeNext', '--moduleResolution', 'NodeNext'],
        ...['--experimentalDecorators', '--emitDecoratorMetadata', '--skipLibCheck', '--types', 'node'],
      ],
      { cwd },
    );
    return join('compiled', basename(file).replace(/\.ts$/, '.js'));
  };
  const cli = async (cwd) => {
    const tokengate = (...args) => run(join(cwd, 'node_modules', '.bin', 'tokengate'), args, { cwd });
    await tokengate('keygen', '--alg', 'ES256', '--out', 'keys');
    const claims = ['--iss', 'https://idp.example.com/', '--aud', 'api://orders', '--sub', 'alice'];
    const token = (await tokengate('sign', '--key', 'keys/private.jwk.json', ...claims)).trim();
    const checks = ['--jwks', 'keys/jwks.json', '--issuer', 'https://idp.example.com/'];
    const verified = await tokengate('verify', token, ...checks, '--audience', 'api://orders', '--json');
    assert(JSON.parse(verified).ok === true, `verify did not accept the token it signed: ${verified}`);
    const refused = await tokengate('verify', token, ...checks, '--audience', 'api://other').then(
      () => 0,
      (error) => error,
    );
    assert(refused !== 0 && /audience/.test(refused.message), 'verify accepted the wrong audience');
  };
  const appsAndCli = Promise.all(
    [npmDir, pnpmDir].flatMap((cwd) => [
      ...quickStarts.map(([framework, file, path]) =>
        check(`${basename(cwd)}: ${framework} quick start from the tarballs`, async () => {
          cpSync(join(root, file), join(cwd, basename(file)));
          await run(process.execPath, ['run-app.mjs', await compiled(cwd, file), framework, path], {
            cwd,
            timeout: 30_000,
          });
        }),
      ),
      check(`${basename(cwd)}: tokengate CLI from the tarball`, () => cli(cwd)),
      // @tokengate/mcp with the MCP SDK v2 (installed by docs/mcp.md's install line).
      check(`${basename(cwd)}: MCP quick start from the tarballs`, async () => {
        cpSync(join(root, 'examples/readme/mcp-quickstart.mjs'), join(cwd, 'mcp-quickstart.mjs'));
        cpSync(join(root, 'scripts/packaging/run-mcp-app.mjs'), join(cwd, 'run-mcp-app.mjs'));
        await run(process.execPath, ['run-mcp-app.mjs', 'mcp-quickstart.mjs'], { cwd, timeout: 30_000 });
      }),
    ]),
  );

  // 5. Every snippet, type-checked strict and run, from the strict pnpm install.
  const snippetFiles = [
    ...new Set(docs.flatMap((doc) => [...doc.matchAll(/<!-- snippet: (\S+) -->/g)].map((m) => m[1]))),
  ];
  // The same snippets as examples/readme's test compares and runs: none may escape this check.
  assert(
    snippetFiles.includes('examples/readme/express-quickstart.mjs') && snippetFiles.length > 20,
    `too few snippets found in the documents (${snippetFiles.length}): is a guide missing?`,
  );
  const names = snippetFiles.map((file) => basename(file));
  assert(new Set(names).size === names.length, `two snippet files share a name: ${names.join(', ')}`);
  const sdkExpress = (file) =>
    readFileSync(join(root, file), 'utf8').includes("'@modelcontextprotocol/express'");
  const snippetDir = join(pnpmDir, 'snippets');
  mkdirSync(snippetDir);
  for (const file of snippetFiles) {
    cpSync(join(root, file), join(snippetDir, basename(file)));
    // A snippet's own relative imports (examples/mcp's `./notes.js`) come along.
    const source = readFileSync(join(root, file), 'utf8');
    for (const [, name] of source.matchAll(/from '\.\/([\w-]+)\.js'/g)) {
      const sibling = ['.ts', '.mjs', '.js']
        .map((ext) => posix.join(posix.dirname(file), `${name}${ext}`))
        .find((candidate) => existsSync(join(root, candidate)));
      if (sibling) cpSync(join(root, sibling), join(snippetDir, basename(sibling)));
    }
    // Ambient declarations beside a snippet (examples/runtimes' workerd globals, which an app on
    // Workers has from @cloudflare/workers-types) come along too, and are type-checked with it.
    for (const name of readdirSync(join(root, posix.dirname(file)))) {
      if (name.endsWith('.d.ts')) cpSync(join(root, posix.dirname(file), name), join(snippetDir, name));
    }
  }
  const ambient = readdirSync(snippetDir)
    .filter((name) => name.endsWith('.d.ts'))
    .map((name) => `snippets/${name}`);
  // The README's CommonJS note: a .cts file require()s the ESM packages (TypeScript >= 5.8, nodenext).
  writeFileSync(
    join(snippetDir, 'commonjs.cts'),
    [
      "import express = require('express');",
      "import tokengate = require('@tokengate/express');",
      "import core = require('@tokengate/core');",
      "import plumbing = require('@tokengate/core/adapter');",
      'const app = express();',
      "app.use(tokengate.jwtAuth({ secret: 'x'.repeat(32) }));",
      "app.get('/', (req, res) => res.json({ sub: tokengate.getAuth(req).subject }));",
      "export const verifier = core.createVerifier({ secret: 'x'.repeat(32) });",
      'export const wrap: typeof plumbing.nodeRequest = plumbing.nodeRequest;',
      '',
    ].join('\n'),
  );
  writeFileSync(
    join(pnpmDir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        strict: true,
        target: 'ES2022',
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        allowJs: true,
        checkJs: true,
        noEmit: true,
        skipLibCheck: true,
        types: ['node'],
      },
      // A migration's "before" is the app on the old library, which this project does not install.
      include: snippetFiles
        .filter((file) => !/-before\./.test(file) && !legacyDecorators(file) && !sdkExpress(file))
        .map((file) => `snippets/${basename(file)}`)
        .concat('snippets/commonjs.cts', ambient),
    }),
  );
  // routing-controllers' and NestJS's snippets need legacy decorators, as their apps do.
  writeFileSync(
    join(pnpmDir, 'tsconfig.legacy-decorators.json'),
    JSON.stringify({
      extends: './tsconfig.json',
      compilerOptions: { experimentalDecorators: true, emitDecoratorMetadata: true },
      include: snippetFiles.filter(legacyDecorators).map((file) => `snippets/${basename(file)}`),
    }),
  );
  // @modelcontextprotocol/express declares `req.auth` as its AuthInfo on every Express request, so
  // the snippets that use it are an app of their own: type-checked apart from jwtAuth's.
  writeFileSync(
    join(pnpmDir, 'tsconfig.mcp-express.json'),
    JSON.stringify({
      extends: './tsconfig.json',
      include: snippetFiles.filter(sdkExpress).map((file) => `snippets/${basename(file)}`),
    }),
  );
  await Promise.all([
    check(
      `${snippetFiles.length} README and guide snippets type-check under strict (pnpm install of the tarballs)`,
      async () => {
        const tsc = join(pnpmDir, 'node_modules', '.bin', 'tsc');
        await run(tsc, ['-p', 'tsconfig.json'], { cwd: pnpmDir });
        await run(tsc, ['-p', 'tsconfig.legacy-decorators.json'], { cwd: pnpmDir });
        await run(tsc, ['-p', 'tsconfig.mcp-express.json'], { cwd: pnpmDir });
      },
    ),
    check('README and guide snippets run (pnpm install of the tarballs)', () =>
      run(bin('vitest'), ['run', 'examples/readme'], {
        cwd: root,
        env: { TOKENGATE_SNIPPET_DIR: snippetDir },
      }),
    ),
  ]);
  await appsAndCli;
  await tarballChecks;
  await npmPackRefused;
} catch (error) {
  failures.push('unexpected');
  console.error(error);
} finally {
  if (process.env.TOKENGATE_KEEP_PACKED) console.log(`kept ${work}`);
  // Two node_modules trees: removing them can take seconds on a busy disk, so in the background.
  else spawn('rm', ['-rf', work], { detached: true, stdio: 'ignore' }).unref();
}
console.log(
  `${failures.length === 0 ? 'all package checks passed' : `${failures.length} failed`} (${elapsed()})`,
);
process.exit(failures.length === 0 ? 0 : 1);

/**
 * A snippet written for `experimentalDecorators`: routing-controllers' apps (examples/decorators)
 * and NestJS's (examples/readme/nestjs-*.ts).
 */
function legacyDecorators(file) {
  return file.startsWith('examples/decorators/') || /^examples\/readme\/nestjs-[\w-]+\.ts$/.test(file);
}
