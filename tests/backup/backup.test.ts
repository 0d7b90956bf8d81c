/**
 * The backup mechanism in process: the archive format (and that the system's `tar` reads it),
 * copies taken under the writers' lock, refusals of damaged or foreign backups, keep-N
 * pruning, and the registry of running app processes.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { ArchiveError, packArchive, unpackArchive } from '../../src/backup/archive.ts';
import { createBackup, FORMAT, MANIFEST, sha256 } from '../../src/backup/backup.ts';
import { BackupError, backupName, listBackups, pruneBackups } from '../../src/backup/files.ts';
import { readBackup, type KnownDatabase } from '../../src/backup/restore.ts';
import { createFileLock } from '../../src/db/lock.ts';
import { databaseLock } from '../../src/db/open-file.ts';
import { checkDatabase, readSnapshot, underLocks, type LockedFile } from '../../src/db/snapshot.ts';
import { createSqlJsLoader } from '../../src/db/sqljs.ts';
import { RUN_FOLDER, registerInstance, runningInstances } from '../../src/instances/index.ts';
import { needSystem } from '../helpers/system.ts';
import { openDb, tempDir, WASM } from '../db/fixture.ts';

const loadSql = createSqlJsLoader({ wasmPath: WASM });
const TAR = { paths: ['/usr/bin/tar', '/usr/bin/gzip'], packages: ['tar', 'gzip'] };

/** A clock that moves one second per call, from a fixed start. */
function ticking(start = Date.UTC(2026, 0, 31, 2, 0, 0)): () => Date {
  let at = start;
  return () => new Date((at += 1000));
}

async function databaseWith(t: Parameters<typeof tempDir>[0], dir: string, users: number): Promise<KnownDatabase> {
  const { db, file } = openDb(t, dir);
  await db.write((q) => {
    for (let i = 0; i < users; i += 1) q.run("INSERT INTO audit_log (at, action, outcome, actor, target) VALUES (1, 'test', 'success', 'a', ?)", [`t${i}`]);
  });
  return { file, lock: databaseLock(file), latestSchema: db.latestVersion };
}

describe('the archive', () => {
  test('round-trips files of any size, and the system tar lists and extracts the same bytes', async (t) => {
    const entries = [
      { name: 'manifest.json', bytes: Buffer.from('{"a":1}\n') },
      { name: 'empty', bytes: new Uint8Array(0) },
      { name: 'exact.bin', bytes: new Uint8Array(1024).fill(7) },
      { name: 'odd.bin', bytes: Uint8Array.from({ length: 70_001 }, (_, i) => (i * 31) % 251) },
    ];
    const archive = await packArchive(entries, 1_769_824_800);
    const back = await unpackArchive(archive);
    assert.deepEqual(back.map((e) => [e.name, sha256(e.bytes)]), entries.map((e) => [e.name, sha256(e.bytes)]));
    if (!needSystem(t, TAR)) return;
    const dir = tempDir(t, 'dashboard-archive-');
    writeFileSync(path.join(dir, 'b.tar.gz'), archive);
    const listed = spawnSync('tar', ['-tzvf', 'b.tar.gz'], { cwd: dir, encoding: 'utf8' });
    assert.equal(listed.status, 0, listed.stderr);
    assert.match(listed.stdout, /^-rw------- .* 70001 2026-01-31 .*odd\.bin$/m);
    mkdirSync(path.join(dir, 'x'));
    assert.equal(spawnSync('tar', ['-xzf', '../b.tar.gz'], { cwd: path.join(dir, 'x') }).status, 0);
    for (const entry of entries) assert.equal(sha256(readFileSync(path.join(dir, 'x', entry.name))), sha256(entry.bytes), entry.name);
  });

  test('a truncated, damaged or foreign file is refused with a reason', async () => {
    const archive = Buffer.from(await packArchive([{ name: 'a', bytes: Buffer.alloc(5000, 1) }], 0));
    const flipped = Buffer.from(archive);
    flipped[Math.floor(flipped.length / 2)]! ^= 0xff;
    const cases: Array<[string, Uint8Array, RegExp]> = [
      ['truncated', archive.subarray(0, archive.length - 10), /damaged or truncated/],
      ['flipped byte', flipped, /damaged or truncated/],
      ['not gzip', Buffer.from('hello, world'), /not gzip-compressed/],
      ['gzip of not tar', await import('node:zlib').then((z) => z.gzipSync(Buffer.alloc(2048, 65))), /not a ustar archive/],
    ];
    for (const [what, bytes, message] of cases) {
      await assert.rejects(unpackArchive(bytes), (error: unknown) => error instanceof ArchiveError && message.test(error.message), what);
    }
  });
});

describe('copies under the lock', () => {
  test('a copy waits for a writer holding the lock, and reads what it committed', async (t) => {
    const dir = tempDir(t);
    const db = await databaseWith(t, dir, 3);
    const held = await createFileLock(`${db.file}.lock`).acquire();
    let copied = false;
    const copy = readSnapshot([db]).then((bytes) => ((copied = true), bytes));
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(copied, false, 'the copy did not wait for the lock');
    await held.release();
    const [bytes] = await copy;
    const check = checkDatabase(await loadSql(), bytes!);
    assert.deepEqual(check, { ok: true, schema: db.latestSchema });
    assert.deepEqual(await readSnapshot([{ file: path.join(dir, 'absent.sqlite'), lock: databaseLock(path.join(dir, 'absent.sqlite')) }]), [undefined]);
  });

  test('holding several locks: never holds one while waiting long for another (sign-ins must not stall behind an import)', async (t) => {
    const dir = tempDir(t);
    const [a, b] = ['a.sqlite', 'b.sqlite'].map((name) => ({ file: path.join(dir, name), lock: databaseLock(path.join(dir, name)) })) as [LockedFile, LockedFile];
    const importing = await createFileLock(`${b.file}.lock`).acquire(); // a long write to b
    let ran = false;
    const both = underLocks([a, b], async () => {
      ran = true;
      // Inside: both are ours, and nobody else gets either.
      await assert.rejects(createFileLock(`${a.file}.lock`).acquire({ timeoutMs: 30 }));
      await assert.rejects(createFileLock(`${b.file}.lock`).acquire({ timeoutMs: 30 }));
    });
    // Meanwhile a's writers get through again and again: the waiting copy holds nothing for long.
    for (let i = 0; i < 20; i += 1) await (await createFileLock(`${a.file}.lock`).acquire({ timeoutMs: 1000 })).release();
    assert.equal(ran, false);
    await importing.release();
    await both;
    assert.equal(ran, true);
    assert.deepEqual(readdirSync(dir).filter((name) => name.endsWith('.lock')), [], 'every lock released');
  });

  test('checkDatabase tells a database from other bytes and from a damaged one', async (t) => {
    const sql = await loadSql();
    const dir = tempDir(t);
    const bytes = readFileSync((await databaseWith(t, dir, 2000)).file);
    assert.equal(checkDatabase(sql, bytes).ok, true);
    assert.deepEqual(checkDatabase(sql, Buffer.from('not a database at all'.repeat(10))), { ok: false, problem: 'not an SQLite database' });
    // Garbage over the audit log's root page: SQLite finds it on the walk through the table.
    const probe = new sql.Database(bytes);
    const [pageSize, root] = [Number(probe.exec('PRAGMA page_size')[0]!.values[0]![0]), Number(probe.exec("SELECT rootpage FROM sqlite_master WHERE name = 'audit_log'")[0]!.values[0]![0])];
    probe.close();
    const damaged = Buffer.from(bytes);
    damaged.fill(0x5a, (root - 1) * pageSize, root * pageSize);
    const result = checkDatabase(sql, damaged);
    assert.equal(result.ok, false);
    assert.match(result.ok ? '' : result.problem, /integrity check failed|damaged/);
  });
});

describe('backups in a folder', () => {
  test('names sort in time order; pruning keeps the newest N and touches nothing else', async (t) => {
    const dir = tempDir(t);
    const db = await databaseWith(t, dir, 1);
    const out = path.join(dir, 'out');
    mkdirSync(out);
    writeFileSync(path.join(out, 'notes.txt'), 'mine');
    const writing = `${backupName(new Date(0))}.${process.pid}.tmp`; // a live writer's: left alone
    const abandoned = `${backupName(new Date(1000))}.999999999.tmp`; // a dead writer's: removed
    writeFileSync(path.join(out, writing), 'someone else writing');
    writeFileSync(path.join(out, abandoned), 'half a backup');
    const now = ticking();
    const written: string[] = [];
    for (let i = 0; i < 5; i += 1) written.push((await createBackup({ databases: [db], outDir: out, loadSql, now })).path!);
    assert.deepEqual((await listBackups(out)).map((b) => b.path), written);
    assert.equal(path.basename(written[0]!), 'dashboard-backup-20260131T020001.000Z.tar.gz');
    assert.deepEqual(await pruneBackups(out, 2), written.slice(0, 3).map((p) => path.basename(p)));
    assert.deepEqual(readdirSync(out).sort(), [...written.slice(3).map((p) => path.basename(p)), writing, 'notes.txt'].sort());
    assert.deepEqual(await pruneBackups(out, 7), []);
  });

  test('a missing folder is refused before any lock is taken, and leaves nothing', async (t) => {
    const dir = tempDir(t);
    const db = await databaseWith(t, dir, 1);
    const held = await db.lock.acquire(); // would time out if the backup waited for it
    t.after(() => held.release());
    await assert.rejects(createBackup({ databases: [db], outDir: path.join(dir, 'nope'), loadSql, now: ticking() }), (error: unknown) => {
      return error instanceof BackupError && /backup folder .*nope does not exist: create it first/.test(error.message);
    });
  });

  test('restore checks: a changed file, a foreign name, a newer schema, a damaged database are all refused', async (t) => {
    const sql = await loadSql();
    const dir = tempDir(t);
    const db = await databaseWith(t, dir, 10);
    const good = readFileSync(db.file);
    const manifest = (files: object[]) => ({ name: MANIFEST, bytes: Buffer.from(JSON.stringify({ format: FORMAT, version: 1, createdAt: 'x', files })) });
    const entry = (name: string, bytes: Uint8Array, claimed = bytes) => ({ name, bytes: claimed.length, sha256: sha256(claimed), schema: 0 });
    const write = async (name: string, entries: Array<{ name: string; bytes: Uint8Array }>): Promise<string> => {
      const file = path.join(dir, name);
      writeFileSync(file, await packArchive(entries, 0));
      return file;
    };
    const altered = Buffer.from(good);
    altered[good.length - 1]! ^= 1;
    const newer = Buffer.from(good);
    newer.writeUInt32BE(db.latestSchema + 1, 60); // user_version lives at offset 60 of the header
    const notDb = Buffer.alloc(4096, 0x41);
    const cases: Array<[string, Array<{ name: string; bytes: Uint8Array }>, RegExp]> = [
      ['changed', [manifest([entry('dashboard.sqlite', altered, good)]), { name: 'dashboard.sqlite', bytes: altered }], /checksum does not match/],
      ['foreign name', [manifest([entry('../evil.sqlite', good)]), { name: 'evil.sqlite', bytes: good }], /unknown file "\.\.\/evil\.sqlite"/],
      ['newer schema', [manifest([entry('dashboard.sqlite', newer)]), { name: 'dashboard.sqlite', bytes: newer }], /newer than this release reads/],
      ['not a database', [manifest([entry('dashboard.sqlite', notDb)]), { name: 'dashboard.sqlite', bytes: notDb }], /not an SQLite database/],
      ['no manifest', [{ name: 'dashboard.sqlite', bytes: good }], /no readable manifest/],
      ['missing entry', [manifest([entry('dashboard.sqlite', good)])], /dashboard\.sqlite is missing from it/],
    ];
    for (const [what, entries, message] of cases) {
      const file = await write(`${what}.tar.gz`, entries);
      await assert.rejects(readBackup(file, [db], sql), (error: unknown) => error instanceof BackupError && message.test(error.message) && /nothing was changed$/.test(error.message), what);
    }
    const ok = await readBackup(await write('ok.tar.gz', [manifest([entry('dashboard.sqlite', good)]), { name: 'dashboard.sqlite', bytes: good }]), [db], sql);
    assert.equal(sha256(ok.files[0]!.bytes), sha256(good));
  });
});

describe('running app processes', () => {
  test('a live registered process counts; a dead one, a reused pid and a broken entry are removed', async (t) => {
    const dataDir = tempDir(t);
    const run = path.join(dataDir, RUN_FOLDER);
    const unregister = registerInstance(dataDir);
    // This process is not "the app" to itself (the CLI runs restore).
    assert.deepEqual(runningInstances(dataDir), []);
    const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    t.after(() => child.kill('SIGKILL'));
    await new Promise((resolve) => child.once('spawn', resolve));
    const start = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[19]!;
    const host = (await import('node:os')).hostname();
    const entry = (pid: number, startTime: string) => JSON.stringify({ pid, start: startTime, host, since: '2026-01-31T02:00:00.000Z' });
    writeFileSync(path.join(run, `${child.pid}.json`), entry(child.pid!, start));
    writeFileSync(path.join(run, '999999999.json'), entry(999_999_999, '1'));
    writeFileSync(path.join(run, '1.json'), entry(1, 'not-init-start-time'));
    writeFileSync(path.join(run, '2.json'), '{"half');
    writeFileSync(path.join(run, 'README'), 'not an entry');
    writeFileSync(path.join(run, '999999998.json.tmp'), entry(999_999_998, '1')); // killed between write and rename
    writeFileSync(path.join(run, `${child.pid}.json.tmp`), 'being written');
    assert.deepEqual(runningInstances(dataDir).map((i) => i.pid), [child.pid]);
    assert.deepEqual(readdirSync(run).sort(), [`${child.pid}.json`, `${child.pid}.json.tmp`, `${process.pid}.json`, 'README'].sort());
    unregister();
    assert.equal(readdirSync(run).includes(`${process.pid}.json`), false);
  });
});
