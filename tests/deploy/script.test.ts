/**
 * deploy.sh on its own: shellcheck-clean (with its server half), its usage, and its settings
 * (a file, with the environment winning), all without an SSH server.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { ROOT } from '../helpers/process.ts';
import { needSystem } from '../helpers/system.ts';

const SHELLCHECK = '/usr/bin/shellcheck';

test('deploy/deploy.sh and deploy/remote.sh pass shellcheck', (t) => {
  if (!needSystem(t, { paths: [SHELLCHECK], packages: ['shellcheck'] })) return;
  const files = ['deploy/deploy.sh', 'deploy/remote.sh'].map((f) => path.join(ROOT, f));
  const result = spawnSync(SHELLCHECK, ['--shell=bash', '--severity=style', ...files], { encoding: 'utf8' });
  assert.equal(result.status, 0, `${result.stdout}${result.stderr}`);
});

test('deploy.sh --help and a wrong argument answer without touching the network', () => {
  const script = path.join(ROOT, 'deploy', 'deploy.sh');
  const help = spawnSync('bash', [script, '--help'], { encoding: 'utf8', env: { PATH: '/usr/bin:/bin' } });
  assert.equal(help.status, 0);
  assert.match(help.stdout, /^Usage: deploy\/deploy\.sh \[--env FILE\] \[--dry-run\] \[--rollback\] \[--help\]/);
  const wrong = spawnSync('bash', [script, '--frobnicate'], { encoding: 'utf8', env: { PATH: '/usr/bin:/bin' } });
  assert.equal(wrong.status, 2);
  assert.match(wrong.stderr, /unknown argument --frobnicate/);
  const unset = spawnSync('bash', [script, '--env', '/nonexistent/deploy.env'], { encoding: 'utf8', env: { PATH: '/usr/bin:/bin' } });
  assert.equal(unset.status, 2);
  assert.match(unset.stderr, /no settings file \/nonexistent\/deploy\.env/);
});

test('settings come from the file, and the environment wins over it', (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'deploy-settings-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'deploy.env');
  // Port 1 on 127.0.0.1: nothing listens, so the script stops at its first step, naming the login.
  writeFileSync(file, 'DEPLOY_HOST=127.0.0.1\nDEPLOY_USER=fromfile\nDEPLOY_PORT=1\nDEPLOY_PATH=/srv/app\nDEPLOY_URL=http://127.0.0.1:1/dashboard\n');
  const script = path.join(ROOT, 'deploy', 'deploy.sh');
  const run = (env: Record<string, string>) =>
    spawnSync('bash', [script, '--env', file], { encoding: 'utf8', env: { PATH: '/usr/bin:/bin', TMPDIR: dir, ...env } });
  const fromFile = run({});
  assert.equal(fromFile.status, 1, fromFile.stderr);
  assert.match(fromFile.stderr, /cannot reach fromfile@127\.0\.0\.1 over SSH on port 1\b/);
  const overridden = run({ DEPLOY_USER: 'fromenv' });
  assert.match(overridden.stderr, /cannot reach fromenv@127\.0\.0\.1 over SSH on port 1\b/);
  const relative = run({ DEPLOY_PATH: 'relative/path' });
  assert.equal(relative.status, 2);
  assert.match(relative.stderr, /DEPLOY_PATH must be absolute/);
});
