/** The user-management tool as admins run it: `node dist/cli.cjs` from a release folder, no node_modules. */
import assert from 'node:assert/strict';
import { readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { releaseCopy, runCli, spawnApp } from '../helpers/process.ts';

const release = releaseCopy();
after(() => release.remove());
writeFileSync(path.join(release.dir, '.env'), 'DATA_DIR=./cli-data\n');

const cli = (args: string[], stdin = '') => runCli(release.dir, args, stdin);

test('users: add, list, role, password, disable, enable, revoke — with clear messages and exit codes', async () => {
  const added = await cli(['users', 'add', 'alice', '--role', 'admin', '--name', 'Alice Kim', '--email', 'alice@example.org'], 'first long password\n');
  assert.equal(added.code, 0, added.err);
  assert.match(added.out, /Created admin "alice"/);

  const list = await cli(['users', 'list']);
  assert.equal(list.code, 0);
  assert.match(list.out, /^alice\s+admin\s+active\s+never\s+Alice Kim$/m);

  assert.equal((await cli(['users', 'add', 'ALICE'], 'another long password\n')).code, 1, 'usernames are unique case-insensitively');
  const short = await cli(['users', 'password', 'alice'], 'short\n');
  assert.equal(short.code, 1);
  assert.match(short.err, /at least 12 characters/);
  const missing = await cli(['users', 'disable', 'bob']);
  assert.equal(missing.code, 1);
  assert.match(missing.err, /no user named "bob"/);
  const usage = await cli(['users', 'frobnicate']);
  assert.equal(usage.code, 2);
  assert.match(usage.err, /unknown command "frobnicate"/);
  assert.equal((await cli(['users', 'role', 'alice', 'owner'])).code, 2);

  assert.equal((await cli(['users', 'password', 'alice'], 'second long password\n')).code, 0);
  assert.equal((await cli(['users', 'role', 'alice', 'member'])).code, 0);
  assert.equal((await cli(['users', 'disable', 'alice'])).code, 0);
  assert.match((await cli(['users', 'list'])).out, /^alice\s+member\s+disabled/m);
  assert.equal((await cli(['users', 'enable', 'alice'])).code, 0);
  assert.equal((await cli(['users', 'revoke-sessions', 'alice'])).code, 0);
  // The password never appears in the tool's output.
  assert.doesNotMatch(JSON.stringify([added, list]), /long password/);
  // Every write released its lock before the tool exited: nothing left for the app to break.
  assert.deepEqual(readdirSync(path.join(release.dir, 'cli-data')).filter((name) => name.includes('.lock')), []);
});

test('the password set by the tool signs in to the running app, which shares the data folder', async (t) => {
  assert.equal((await cli(['users', 'add', 'carol'], 'carol long password\n')).code, 0);
  const app = spawnApp({ cwd: release.dir, env: { SECRET_KEY: 'c'.repeat(64), ADMIN_USERNAME: 'unused', ADMIN_PASSWORD: 'unused long password' } });
  t.after(() => app.stop());
  const base = await app.url();
  const login = (password: string) =>
    fetch(`${base}/api/auth/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ username: 'Carol', password }) });
  assert.equal((await login('carol long password')).status, 200);
  const res = await login('wrong password here');
  assert.equal(res.status, 401);
  // ADMIN_USERNAME only applies when there are no users: none was created here.
  assert.doesNotMatch((await cli(['users', 'list'])).out, /unused/);
});
