// `prepack` of every published package: only pnpm replaces our `workspace:^` dependency ranges
// with real ones (and adds the root LICENSE). `npm pack` / `npm publish` inside a package would
// make a tarball nobody can install, so they stop here. See CONTRIBUTING.md, "Releasing".
const agent = process.env.npm_config_user_agent ?? '';
if (!agent.startsWith('pnpm/')) {
  console.error(
    'tokengate: pack and publish with pnpm (`pnpm release:pack`, `pnpm release`), not npm: npm would ' +
      'publish "workspace:^" dependency ranges that nobody can install. See CONTRIBUTING.md.',
  );
  process.exit(1);
}
