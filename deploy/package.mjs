// `npm run package`: builds, then writes release/dashboard-<version>.zip — what an admin
// uploads through cPanel's "Setup Node.js App" and unpacks into the app root. It holds only
// what the server needs: app.js, a package.json without dependencies (so cPanel's "Run NPM
// Install" button has nothing to fetch or compile), dist/, and the .htaccess and .env
// templates with the README.
import { mkdir, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createZip } from './zip.mjs';

async function files(root, rel) {
  const full = path.join(root, rel);
  if (!(await stat(full)).isDirectory()) return [rel];
  const names = await readdir(full);
  return (await Promise.all(names.sort().map((n) => files(root, path.join(rel, n))))).flat();
}

/** The package.json a release carries (zip or SSH deploy): no dependencies, nothing to install. */
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

export async function packageRelease(root) {
  const pkg = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8'));
  const releasePkg = releasePackageJson(pkg);
  const entries = [{ name: 'package.json', data: Buffer.from(`${JSON.stringify(releasePkg, null, 2)}\n`) }];
  for (const rel of ['app.js', 'dist', '.htaccess', '.env.example', 'README.md']) {
    for (const file of await files(root, rel).catch(() => [])) {
      entries.push({ name: file.split(path.sep).join('/'), data: await readFile(path.join(root, file)) });
    }
  }
  const outDir = path.join(root, 'release');
  await mkdir(outDir, { recursive: true });
  const out = path.join(outDir, `dashboard-${pkg.version}.zip`);
  await writeFile(out, createZip(entries));
  console.log(`wrote ${path.relative(root, out)} (${entries.length} files)`);
  return out;
}
