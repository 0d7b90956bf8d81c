// The package.json a release carries, whether it travels as the cPanel zip (package.mjs) or over
// SSH (stage.mjs). Its own module: deploy.sh's staging runs where no node_modules exist.
/** No dependencies, so cPanel's "Run NPM Install" has nothing to fetch or compile. */
export function releasePackageJson(pkg) {
  return {
    name: pkg.name,
    version: pkg.version,
    private: true,
    description: pkg.description,
    main: 'app.js',
    engines: pkg.engines,
    // cPanel's Node.js page can run these ("Run JS script") where there is no SSH.
    scripts: { start: 'node app.js', users: 'node dist/cli.cjs users', figures: 'node dist/cli.cjs figures' },
  };
}
