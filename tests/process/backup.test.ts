/**
 * Backups against real app processes (the built release, `node app.js`, two processes over one
 * DATA_DIR, as Passenger runs them): a backup taken during a burst of sign-ins and sign-outs
 * opens cleanly and holds every sign-out acknowledged before it started; restore refuses while
 * the app runs, restores under it with --force (both processes see the restored data on their
 * next request), and tells a process killed with SIGKILL from a running one.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { unpackArchive } from '../../src/backup/archive.ts';
import { columnOnDisk, eventually } from '../db/fixture.ts';
import { login, logout, me, pool, type HttpSession } from '../helpers/http-session.ts';
import { processesForTests, releaseCopy, runCli, sharedDataEnv, type AppProcess } from '../helpers/process.ts';
import { readFile } from 'node:fs/promises';

const ADMIN = 'admin';
const PASSWORD = `pw-${randomBytes(9).toString('base64url')}`;

describe('backup and restore beside two running app processes', { timeout: 300_000 }, () => {
  const release = releaseCopy();
  const dataDir = mkdtempSync(path.join(tmpdir(), 'dashboard-backup-data-'));
  const outDir = mkdtempSync(path.join(tmpdir(), 'dashboard-backup-out-'));
  const env = sharedDataEnv(dataDir, { username: ADMIN, password: PASSWORD });
  const cli = (args: string[], stdin = '') => runCli(release.dir, [...args, '--data-dir', dataDir], stdin);
  const { apps, bases } = processesForTests(2, { cwd: release.dir, env });
  let backupFile = '';
  /** Sign-outs acknowledged (204) before the backup started: each must be revoked in it. */
  let signedOutBefore: HttpSession[] = [];

  after(() => {
    release.remove();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(outDir, { recursive: true, force: true });
  });

  test('each app process registered itself in DATA_DIR/run', () => {
    assert.deepEqual(readdirSync(path.join(dataDir, 'run')).sort(), apps.map((app) => `${app.child.pid}.json`).sort());
  });

  test('a backup taken during a burst of sign-ins and sign-outs opens cleanly and holds every acknowledged sign-out', async (t) => {
    const sessions = await pool(Array.from({ length: 80 }, (_, i) => i), 8, (i) => login(bases[i % 2]!, ADMIN, PASSWORD));
    const acked: Array<{ session: HttpSession; at: number }> = [];
    let burstOver = false;
    let signIns = 0;
    const signOuts = pool(sessions, 2, async (session, i) => {
      if ((await logout(bases[i % 2]!, session)) === 204) acked.push({ session, at: performance.now() });
    });
    const signingIn = pool([0, 1], 2, async (lane) => {
      for (let i = lane; !burstOver; i += 1) if (await login(bases[i % 2]!, ADMIN, PASSWORD).catch(() => undefined)) signIns += 1;
    });
    await eventually(() => acked.length >= 20, 30_000, '20 sign-outs');
    const startedAt = performance.now();
    const result = await cli(['backup', '--out', outDir]);
    const endedAt = performance.now();
    await signOuts;
    burstOver = true;
    await signingIn;
    assert.equal(result.code, 0, result.err);
    backupFile = /^wrote (\S+) in [\d.]+ s$/m.exec(result.out)?.[1] ?? '';
    assert.equal(path.dirname(backupFile), outDir, result.out);
    assert.equal(statSync(backupFile).mode & 0o777, 0o600);
    signedOutBefore = acked.filter((a) => a.at < startedAt).map((a) => a.session);
    const during = acked.filter((a) => a.at >= startedAt && a.at <= endedAt).length;
    assert.ok(signedOutBefore.length >= 20 && acked.length === sessions.length, `${acked.length} of ${sessions.length} sign-outs acknowledged`);
    assert.ok(during > 0, 'no sign-out was acknowledged while the backup ran: the burst was over too soon to prove anything');

    // Opened independently of the tool: the archive unpacks, both databases are sound.
    const entries = await unpackArchive(await readFile(backupFile));
    assert.deepEqual(entries.map((e) => e.name), ['manifest.json', 'dashboard.sqlite', 'figures.sqlite']);
    const copy = path.join(outDir, 'check.sqlite');
    writeFileSync(copy, entries[1]!.bytes);
    assert.deepEqual(await columnOnDisk(copy, 'PRAGMA integrity_check'), ['ok']);
    const jtis = signedOutBefore.map((s) => `'${s.jti}'`).join(',');
    const fams = signedOutBefore.map((s) => `'${s.fam}'`).join(',');
    assert.deepEqual(await columnOnDisk(copy, `SELECT count(*) FROM revoked_tokens WHERE jti IN (${jtis})`), [signedOutBefore.length]);
    assert.deepEqual(await columnOnDisk(copy, `SELECT count(*) FROM refresh_families WHERE id IN (${fams}) AND revoked_reason = 'logout'`), [signedOutBefore.length]);
    writeFileSync(copy, entries[2]!.bytes);
    assert.deepEqual(await columnOnDisk(copy, 'PRAGMA integrity_check'), ['ok']);
    assert.ok(((await columnOnDisk(copy, 'SELECT count(*) FROM records')) as number[])[0]! > 0, 'the sample figures are in the backup');
    rmSync(copy);
    t.diagnostic(
      `backup of ${result.out.split('\n')[1]?.trim()} in ${Math.round(endedAt - startedAt)} ms (CLI start to exit) during ${acked.length} sign-outs ` +
        `(${during} acknowledged while it ran) and ${signIns} sign-ins; ${signedOutBefore.length} acknowledged before it, all revoked in it`,
    );
  });

  test('restore refuses while the app runs, naming the processes, and changes nothing', async () => {
    const db = path.join(dataDir, 'dashboard.sqlite');
    const before = statSync(db, { bigint: true });
    const refused = await cli(['restore', backupFile]);
    assert.equal(refused.code, 1);
    assert.match(refused.err, /the app is running over .*: process \d+ \(since [\d-]+T.*\), \d+ .*Nothing was changed/);
    for (const app of apps) assert.match(refused.err, new RegExp(`\\b${app.child.pid}\\b`));
    assert.match(refused.err, /--force/);
    const now = statSync(db, { bigint: true });
    assert.deepEqual([now.ino, now.mtimeNs], [before.ino, before.mtimeNs]);
    assert.equal(existsSync(path.join(dataDir, 'backups')), false, 'no before-restore backup for a refused restore');
  });

  test('restore --force under the running app: both processes see the restored data on their next request', async () => {
    assert.equal((await cli(['users', 'add', 'late'], 'a late long password\n')).code, 0);
    const lateLogin = (base: string) => login(base, 'late', 'a late long password').then(() => 200, (error: Error) => Number(/: (\d{3}) /.exec(error.message)?.[1] ?? 0));
    assert.deepEqual(await Promise.all(bases.map(lateLogin)), [200, 200]);
    const restored = await cli(['restore', backupFile, '--force']);
    assert.equal(restored.code, 0, restored.err);
    assert.match(restored.out, /^restored dashboard\.sqlite, figures\.sqlite from .* \(taken [\d-]+T[\d:.]+Z\) in [\d.]+ s$/m);
    assert.match(restored.out, /2 running app processes load it on the next request/);
    const previous = /the state it replaced is in (\S+)/.exec(restored.out)?.[1] ?? '';
    assert.match(path.basename(previous), /^dashboard-backup-\d{8}T\d{6}\.\d{3}Z-before-restore\.tar\.gz$/);
    assert.equal(path.dirname(previous), path.join(dataDir, 'backups'));
    // The user added after the backup is gone everywhere; sign-outs from before it still hold.
    assert.deepEqual(await Promise.all(bases.map(lateLogin)), [401, 401]);
    for (const base of bases) assert.deepEqual(await me(base, signedOutBefore[0]!), { status: 401, error: 'token_revoked' });
    const admin = await login(bases[1]!, ADMIN, PASSWORD);
    assert.deepEqual(await me(bases[0]!, admin), { status: 200 });
    // The state that was replaced is kept: the late user is in it.
    const entries = await unpackArchive(await readFile(previous));
    const copy = path.join(outDir, 'previous.sqlite');
    writeFileSync(copy, entries.find((e) => e.name === 'dashboard.sqlite')!.bytes);
    assert.deepEqual(await columnOnDisk(copy, "SELECT count(*) FROM users WHERE username = 'late'"), [1]);
  });

  test('once the app has stopped (one process killed with SIGKILL, one stopped cleanly), restore runs without --force', async () => {
    const [killed, stopped] = apps as [AppProcess, AppProcess];
    await killed.stop('SIGKILL');
    await stopped.stop('SIGTERM');
    // The clean exit removed its entry; the killed process could not.
    assert.deepEqual(readdirSync(path.join(dataDir, 'run')), [`${killed.child.pid}.json`]);
    const restored = await cli(['restore', backupFile]);
    assert.equal(restored.code, 0, restored.err);
    assert.doesNotMatch(restored.out, /running app/);
    assert.deepEqual(readdirSync(path.join(dataDir, 'run')), [], 'the dead process\'s entry was removed');
  });
});
