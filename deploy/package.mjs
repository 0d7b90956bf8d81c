// `npm run package`: builds, then writes release/dashboard-<version>.zip — what an admin
// uploads through cPanel's File Manager and extracts into the app root. It holds only what the
// server needs: app.js, a package.json without dependencies (so cPanel's "Run NPM Install"
// button has nothing to fetch or compile), dist/, the .htaccess and .env templates, the README
// and DEPLOY.txt (the steps, for an admin who opens the zip first). No sources, no tests, no
// node_modules, no secrets. The WordPress plugin travels too (wordpress/dashboard-sso.php), so an
// admin with only cPanel has the one file the other side of single sign-on needs.
//
// The archive is written by fflate (a dev dependency, pure JS): a well-kept ZIP writer that is
// read by every unzip we know of, rather than our own. Entries carry Unix modes and explicit
// folder entries, so extraction tools that do not create parent folders by themselves cope too.
import { mkdir, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { zipSync } from 'fflate';
import { releasePackageJson } from './release-package.mjs';

/** Top-level entries of a release, besides the generated package.json. */
export const RELEASE_ENTRIES = ['app.js', 'dist', '.htaccess', '.env.example', 'README.md', 'deploy/DEPLOY.txt', 'deploy/wordpress/dashboard-sso.php'];

async function files(root, rel) {
  const full = path.join(root, rel);
  if (!(await stat(full)).isDirectory()) return [rel];
  const names = await readdir(full);
  return (await Promise.all(names.sort().map((n) => files(root, path.join(rel, n))))).flat();
}

/** Where a source file goes in the zip: what comes from deploy/ sits at the top, beside app.js (DEPLOY.txt, wordpress/). */
const zipName = (rel) => {
  const parts = rel.split(path.sep);
  return (parts[0] === 'deploy' ? parts.slice(1) : parts).join('/');
};

export async function packageRelease(root) {
  const pkg = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8'));
  const releasePkg = releasePackageJson(pkg);
  const mtime = new Date();
  const file = { os: 3, attrs: (0o100644 << 16) >>> 0, mtime, level: 9 };
  const folder = { os: 3, attrs: ((0o040755 << 16) | 0x10) >>> 0, mtime, level: 0 };
  const entries = { 'package.json': [Buffer.from(`${JSON.stringify(releasePkg, null, 2)}\n`), file] };
  for (const rel of RELEASE_ENTRIES) {
    for (const source of await files(root, rel).catch(() => [])) {
      const name = zipName(source);
      const parts = name.split('/');
      for (let i = 1; i < parts.length; i += 1) entries[`${parts.slice(0, i).join('/')}/`] ??= [new Uint8Array(0), folder];
      entries[name] = [await readFile(path.join(root, source)), file];
    }
  }
  const outDir = path.join(root, 'release');
  await mkdir(outDir, { recursive: true });
  const out = path.join(outDir, `dashboard-${pkg.version}.zip`);
  await writeFile(out, zipSync(entries));
  const count = Object.keys(entries).filter((name) => !name.endsWith('/')).length;
  console.log(`wrote ${path.relative(root, out)} (${count} files, ${((await stat(out)).size / 1024 / 1024).toFixed(1)} MB)`);
  return out;
}
