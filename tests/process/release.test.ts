/** The release zip an admin uploads through cPanel: unpacked as is, it runs. */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { ROOT, spawnApp } from '../helpers/process.ts';
import { needSystem } from '../helpers/system.ts';

test('npm run package writes a zip that unpacks into a runnable app with no dependencies to install', async (t) => {
  // deploy/package.mjs is plain JavaScript: the cast gives its one function a type.
  const { packageRelease } = (await import(path.join(ROOT, 'deploy/package.mjs'))) as { packageRelease(root: string): Promise<string> };
  const zip = await packageRelease(ROOT);
  const dir = mkdtempSync(path.join(tmpdir(), 'dashboard-unzip-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  // Two independent readers: Info-ZIP's unzip (what cPanel's File Manager and most hosts use)
  // tests every entry's checksum and extracts with the recorded modes; Python's zipfile lists.
  if (!needSystem(t, { paths: ['/usr/bin/unzip'], packages: ['unzip'] })) return;
  execFileSync('unzip', ['-tq', zip]);
  execFileSync('unzip', ['-q', zip, '-d', dir]);
  const listed = execFileSync('python3', ['-m', 'zipfile', '-l', zip], { encoding: 'utf8' });
  assert.match(listed, /^dist\/ /m, 'folders have entries of their own');
  assert.equal(statSync(path.join(dir, 'dist', 'server.cjs')).mode & 0o777, 0o644);
  assert.equal(statSync(path.join(dir, 'dist')).mode & 0o777, 0o755);
  const steps = readFileSync(path.join(dir, 'DEPLOY.txt'), 'utf8');
  assert.match(steps, /do NOT press\s+"Run NPM Install"/);
  assert.match(steps, /Setup Node\.js App/);

  const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as Record<string, unknown>;
  assert.equal(pkg.dependencies, undefined, 'nothing for "Run NPM Install" to fetch');
  assert.equal(pkg.type, undefined, 'app.js stays CommonJS');
  assert.equal(pkg.main, 'app.js');
  assert.deepEqual(pkg.scripts, { start: 'node app.js', users: 'node dist/cli.cjs users', figures: 'node dist/cli.cjs figures' });
  const shipped = ['dist/report-worker.cjs', 'dist/import-worker.cjs', 'dist/fonts/Pretendard-Regular.ttf', 'dist/fonts/Pretendard-LICENSE.txt', 'dist/THIRD_PARTY_LICENSES.txt', 'dist/sql-wasm.LICENSE.txt'];
  for (const file of ['app.js', 'dist/server.cjs', 'dist/cli.cjs', 'dist/sql-wasm.wasm', 'dist/public/manifest.json', ...shipped, '.htaccess', '.env.example', 'README.md']) {
    assert.ok(existsSync(path.join(dir, file)), file);
  }
  assert.equal(existsSync(path.join(dir, 'node_modules')), false);
  assert.equal(existsSync(path.join(dir, 'src')), false);
  assert.equal(existsSync(path.join(dir, 'tests')), false);
  assert.equal(existsSync(path.join(dir, '.env')), false, 'no secrets');
  assert.equal(existsSync(path.join(dir, 'deploy')), false, 'DEPLOY.txt sits at the top');
  // The other side of single sign-on, for an admin who has only the zip; it exits unless WordPress loaded it.
  assert.deepEqual(readFileSync(path.join(dir, 'wordpress', 'dashboard-sso.php')), readFileSync(path.join(ROOT, 'deploy', 'wordpress', 'dashboard-sso.php')));
  assert.match(steps, /wordpress\/dashboard-sso\.php/);
  // Mostly the report's font (two faces, about 2.7 MB each before compression).
  assert.ok(statSync(zip).size < 6 * 1024 * 1024, `the release stays small (${statSync(zip).size} bytes)`);

  const app = spawnApp({ cwd: dir, env: { NODE_ENV: 'production', SECRET_KEY: randomBytes(32).toString('hex'), DATA_DIR: path.join(dir, '..', `${path.basename(dir)}-data`) } });
  t.after(async () => {
    await app.stop();
    rmSync(path.join(dir, '..', `${path.basename(dir)}-data`), { recursive: true, force: true });
  });
  const res = await fetch(`${await app.url()}/healthz`);
  assert.equal(res.status, 200);
});
