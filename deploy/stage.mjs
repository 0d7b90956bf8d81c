// `node deploy/stage.mjs DIR`: lays out in DIR (empty or absent) the release that deploy.sh
// uploads: app.js, the release package.json (no dependencies) and the built dist/ — what the
// server runs, as in the zip (deploy/package.mjs), without the templates and README that the
// zip carries for cPanel's admins. Prints the release's size in KiB.
import { cp, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { releasePackageJson } from './release-package.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = process.argv[2];
if (out === undefined) {
  console.error('usage: node deploy/stage.mjs DIR');
  process.exit(2);
}
if (!(await stat(path.join(root, 'dist', 'server.cjs')).catch(() => false))) {
  console.error('dist/server.cjs is missing: run npm run build first');
  process.exit(1);
}
const pkg = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8'));
await cp(path.join(root, 'app.js'), path.join(out, 'app.js'));
await cp(path.join(root, 'dist'), path.join(out, 'dist'), { recursive: true });
await writeFile(path.join(out, 'package.json'), `${JSON.stringify(releasePackageJson(pkg), null, 2)}\n`);

async function size(p) {
  const s = await stat(p);
  if (!s.isDirectory()) return s.size;
  const names = await readdir(p);
  return (await Promise.all(names.map((n) => size(path.join(p, n))))).reduce((a, b) => a + b, 0);
}
console.log(Math.ceil((await size(out)) / 1024));
