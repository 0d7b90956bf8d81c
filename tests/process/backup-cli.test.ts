/**
 * `backup` and `restore` as an admin (or the deploy script, or cron) runs them: from a release
 * folder with no node_modules. Exit codes (0 done, 1 failed, 2 usage), clear messages, nothing
 * half-written left by a failure, nothing changed by a refused restore, keep-N pruning, and
 * the time for 100,000 figure records.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import type { ParsedRecord } from '../../src/figures/csv.ts';
import { addDays } from '../../src/figures/dates.ts';
import { openTestFigures } from '../figures/fixture.ts';
import { releaseCopy, runCli, type CliResult } from '../helpers/process.ts';

const release = releaseCopy();
chmodSync(release.dir, 0o755); // run as nobody below, when the tests run as root
const scratch = mkdtempSync(path.join(tmpdir(), 'dashboard-backup-cli-'));
chmodSync(scratch, 0o755);
after(() => {
  release.remove();
  rmSync(scratch, { recursive: true, force: true });
});

let folders = 0;
function folder(): string {
  const dir = path.join(scratch, `d${(folders += 1)}`);
  mkdirSync(dir);
  return dir;
}

const cli = (dataDir: string, args: string[], stdin = '') => runCli(release.dir, [...args, '--data-dir', dataDir], stdin);
const digest = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex');

/** A data folder with a user in it (and so a dashboard.sqlite). */
async function dataWithUser(): Promise<string> {
  const dataDir = folder();
  const added = await cli(dataDir, ['users', 'add', 'alice'], 'a long password here\n');
  assert.equal(added.code, 0, added.err);
  return dataDir;
}

/** `node dist/cli.cjs` as another user (root writes anywhere: a read-only folder needs someone it stops). */
function runCliAs(uid: number, args: readonly string[]): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['dist/cli.cjs', ...args], { cwd: release.dir, env: { PATH: process.env.PATH ?? '' }, uid, gid: uid });
    let [out, err] = ['', ''];
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('exit', (code) => resolve({ code, out, err }));
  });
}

test('usage: wrong arguments exit 2 with the usage, help exits 0', async () => {
  const dataDir = folder();
  for (const args of [['backup', '--keep', '0'], ['backup', 'stray'], ['backup', '--frob', 'x'], ['backup', '--out'], ['restore'], ['restore', 'a', 'b'], ['restore', 'a', '--force', '--keep', '2']]) {
    const result = await cli(dataDir, args);
    assert.equal(result.code, 2, `${args.join(' ')}: ${result.err}`);
    assert.match(result.err, /^error: .+\n\nUsage: node dist\/cli\.cjs backup/, args.join(' '));
  }
  const help = await cli(dataDir, ['backup', 'help']);
  assert.equal(help.code, 0);
  assert.match(help.out, /restore <file> \[--force\]/);
  const top = await runCli(release.dir, ['help']);
  assert.equal(top.code, 0);
  assert.match(top.err, /node dist\/cli\.cjs backup \[--out DIR\] \[--keep N\]/);
});

test('a data folder with no database yet: nothing to back up, exit 0, no file', async () => {
  const dataDir = folder();
  const result = await cli(dataDir, ['backup']);
  assert.equal(result.code, 0, result.err);
  assert.match(result.out, /^nothing to back up: .* holds no database yet$/m);
  assert.deepEqual(readdirSync(path.join(dataDir, 'backups')), []);
});

test('with no DATA_DIR anywhere (set only in cPanel, which cron does not see) and no database in ./data: exit 2, saying how', async () => {
  for (const area of ['backup', 'restore']) {
    const result = await runCli(release.dir, area === 'backup' ? ['backup'] : ['restore', 'x.tar.gz']);
    assert.equal(result.code, 2, result.err);
    assert.match(result.err, /^error: DATA_DIR is not set .*\nAdd DATA_DIR=\/home\/USER\/dashboard-data to the app's \.env, or pass --data-dir/);
  }
  assert.equal(existsSync(path.join(release.dir, 'data')), false, 'no empty ./data made inside the release');
});

test('the default folder is DATA_DIR/backups (private); --keep N keeps the newest N', async () => {
  const dataDir = await dataWithUser();
  const written: string[] = [];
  for (let i = 0; i < 4; i += 1) {
    const result = await cli(dataDir, ['backup', '--keep', '2']);
    assert.equal(result.code, 0, result.err);
    written.push(/^wrote (\S+) in [\d.]+ s$/m.exec(result.out)![1]!);
    if (i >= 2) assert.match(result.out, new RegExp(`deleted ${path.basename(written[i - 2]!).replace(/\./g, '\\.')} \\(keeping the newest 2\\)`));
  }
  const dir = path.join(dataDir, 'backups');
  assert.equal(statSync(dir).mode & 0o777, 0o700);
  assert.deepEqual(readdirSync(dir).sort(), written.slice(2).map((p) => path.basename(p)).sort());
  for (const file of written.slice(2)) assert.equal(statSync(file).mode & 0o777, 0o600);
});

test('a missing or read-only --out folder: exit 1, a clear message, no file left behind', async () => {
  const dataDir = await dataWithUser();
  const missing = path.join(scratch, 'no-such-folder');
  const result = await cli(dataDir, ['backup', '--out', missing]);
  assert.equal(result.code, 1);
  assert.equal(result.err, `error: the backup folder ${missing} does not exist: create it first (mkdir -p ${missing})\n`);
  assert.equal(existsSync(missing), false);

  const readOnly = folder();
  chmodSync(readOnly, 0o555);
  let denied: CliResult;
  if (process.getuid?.() === 0) {
    const nobody = 65_534;
    chownSync(dataDir, nobody, nobody);
    for (const name of readdirSync(dataDir)) chownSync(path.join(dataDir, name), nobody, nobody);
    denied = await runCliAs(nobody, ['backup', '--out', readOnly, '--data-dir', dataDir]);
  } else {
    denied = await cli(dataDir, ['backup', '--out', readOnly]);
  }
  assert.equal(denied.code, 1, denied.out);
  assert.equal(denied.err, `error: cannot write in the backup folder ${readOnly} (EACCES)\n`);
  assert.deepEqual(readdirSync(readOnly), []);
  // And no lock was left behind for the app to break.
  assert.deepEqual(readdirSync(dataDir).filter((name) => name.includes('.lock')), []);
});

test('a truncated, corrupt or foreign file given to restore is refused with a clear message and changes nothing', async () => {
  const dataDir = await dataWithUser();
  const made = await cli(dataDir, ['backup']);
  assert.equal(made.code, 0, made.err);
  const good = /^wrote (\S+)/m.exec(made.out)![1]!;
  assert.equal((await cli(dataDir, ['users', 'add', 'bob'], 'another long password\n')).code, 0);
  const db = path.join(dataDir, 'dashboard.sqlite');
  const [before, beforeStat] = [digest(db), statSync(db, { bigint: true })];
  const bytes = readFileSync(good);
  const flipped = Buffer.from(bytes);
  flipped[Math.floor(bytes.length / 2)]! ^= 0x40;
  const bad = {
    truncated: [bytes.subarray(0, Math.floor(bytes.length * 0.8)), /the file is damaged or truncated/],
    corrupt: [flipped, /the file is damaged or truncated/],
    foreign: [Buffer.from('id,name\n1,alice\n'), /the file is not a backup file \(not gzip-compressed\)/],
    empty: [Buffer.alloc(0), /the file is not a backup file/],
  } as const;
  for (const [name, [content, message]] of Object.entries(bad)) {
    const file = path.join(scratch, `${name}.tar.gz`);
    writeFileSync(file, content);
    const result = await cli(dataDir, ['restore', file, '--force']);
    assert.equal(result.code, 1, name);
    assert.match(result.err, new RegExp(`^error: ${file.replace(/\./g, '\\.')} cannot be restored: ${message.source}.*; nothing was changed\\n$`), name);
    assert.doesNotMatch(result.err, /\n\s+at /, 'no stack trace');
  }
  const absent = await cli(dataDir, ['restore', path.join(scratch, 'absent.tar.gz')]);
  assert.equal(absent.code, 1);
  assert.match(absent.err, /absent\.tar\.gz cannot be restored: it cannot be read \(ENOENT\); nothing was changed/);
  const after = statSync(db, { bigint: true });
  assert.deepEqual([digest(db), after.ino, after.mtimeNs], [before, beforeStat.ino, beforeStat.mtimeNs]);
  assert.deepEqual(readdirSync(path.join(dataDir, 'backups')), [path.basename(good)], 'no before-restore backup was taken');
  // The good one restores, and bob (added after it) is gone.
  const restored = await cli(dataDir, ['restore', good]);
  assert.equal(restored.code, 0, restored.err);
  assert.doesNotMatch((await cli(dataDir, ['users', 'list'])).out, /bob/);
});

test('a damaged database in the data folder: backup refuses to copy it (exit 1), restore replaces it and keeps it as it was', async () => {
  const dataDir = await dataWithUser();
  const made = await cli(dataDir, ['backup']);
  const good = /^wrote (\S+)/m.exec(made.out)![1]!;
  const db = path.join(dataDir, 'dashboard.sqlite');
  const damaged = readFileSync(db);
  damaged.fill(0x5a, 100, damaged.length); // the header survives, every page is garbage
  writeFileSync(db, damaged);
  const refused = await cli(dataDir, ['backup']);
  assert.equal(refused.code, 1);
  assert.match(refused.err, /^error: dashboard\.sqlite in the data folder is damaged \(.+\): no backup was written\n$/);
  assert.equal(readdirSync(path.join(dataDir, 'backups')).length, 1);
  const restored = await cli(dataDir, ['restore', good]);
  assert.equal(restored.code, 0, restored.err);
  assert.match((await cli(dataDir, ['users', 'list'])).out, /^alice /m);
  const previous = /the state it replaced is in (\S+)/.exec(restored.out)![1]!;
  assert.ok(existsSync(previous));
});

test('100,000 figure records: backup and restore times', { timeout: 180_000 }, async (t) => {
  const { figures, dataDir } = openTestFigures(t);
  const categories = Array.from({ length: 20 }, (_, i) => `Branch ${i + 1}`);
  const metrics = ['revenue', 'visitors', 'members', 'orders', 'refunds'];
  const records: ParsedRecord[] = [];
  for (let d = 0; d < 1000; d += 1) {
    const date = addDays('2023-01-01', d);
    for (const [c, category] of categories.entries()) for (const [m, metric] of metrics.entries()) records.push({ date, category, metric, value: ((d * 31 + c * 7 + m) % 1000) + 0.25, note: null });
  }
  await figures.importRecords(records, { actor: 'test', filename: 'big.csv' });
  assert.equal(await figures.count(), 100_000);
  const figuresFile = path.join(dataDir, 'figures.sqlite');
  const original = digest(figuresFile);

  let started = performance.now();
  const made = await cli(dataDir, ['backup']);
  const backupWall = performance.now() - started;
  assert.equal(made.code, 0, made.err);
  const file = /^wrote (\S+) in ([\d.]+) s$/m.exec(made.out)!;
  started = performance.now();
  const restored = await cli(dataDir, ['restore', file[1]!]);
  const restoreWall = performance.now() - started;
  assert.equal(restored.code, 0, restored.err);
  assert.equal(digest(figuresFile), original, 'the restored file is the one backed up, byte for byte');
  const reported = /in ([\d.]+) s$/m.exec(restored.out)![1];
  const locked = /locked for ([\d.]+) s/.exec(restored.out)![1];
  t.diagnostic(`100,000 records, figures.sqlite ${(statSync(figuresFile).size / 1e6).toFixed(1)} MB: backup ${file[2]} s by its own clock, ${Math.round(backupWall)} ms for the whole command (${made.out.split('\n')[1]?.trim()})`);
  t.diagnostic(`restore (with the backup of the state it replaces) ${reported} s by its own clock, the databases locked for ${locked} s, ${Math.round(restoreWall)} ms for the whole command`);
  assert.ok(backupWall < 60_000 && restoreWall < 60_000);
});
