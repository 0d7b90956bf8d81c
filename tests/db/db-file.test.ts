/**
 * The sql.js database file protocol (src/db/db-file.ts) with real sql.js and real files.
 * Two DatabaseFile instances on one file stand in for two processes: each keeps its own
 * in-memory copy and takes the same file lock, exactly as separate processes do (the
 * real-process versions are in lock.test.ts and tests/process/multiprocess.test.ts).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, readFileSync, readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import * as fsp from 'node:fs/promises';
import path from 'node:path';
import { describe, test } from 'node:test';
import { DatabaseFile, StoreWriteError, type Migration, type WriteFs } from '../../src/db/db-file.ts';
import { createFileLock, lockTempName } from '../../src/db/lock.ts';
import { readHeld } from '../../src/db/file-ops.ts';
import { createQuery, type Query } from '../../src/db/query.ts';
import { MIGRATIONS } from '../../src/store/schema.ts';
import { createSqlJsLoader, StoreUnavailableError } from '../../src/db/sqljs.ts';
import { createMemoryLogger } from '../../src/log/index.ts';
import { columnOnDisk, countingLoader, DB_NAME, eventually, failingFs, onDisk, openDb, tempDir, WASM } from './fixture.ts';
import { startTogether, startWorker } from './workers.ts';

const LATEST = Math.max(...MIGRATIONS.map((m) => m.version));
const TABLES = ['audit_log', 'meta', 'refresh_families', 'revoked_tokens', 'users'];

const setMeta = (key: string, value: string) => (q: Query) =>
  q.run('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value', [key, value]);
const getMeta = (key: string) => (q: Query) => q.get<{ value: string }>('SELECT value FROM meta WHERE key = ?', [key])?.value;

describe('DatabaseFile: opening and migrations', () => {
  test('a fresh folder gets a file at the latest schema with every table; opening it again rewrites nothing', async (t) => {
    const dir = tempDir(t);
    const { db, file } = openDb(t, dir);
    await db.ready();
    assert.ok(existsSync(file), 'the first open writes the migrated file');
    assert.deepEqual(await columnOnDisk(file, 'PRAGMA user_version'), [LATEST]);
    const tables = await columnOnDisk(file, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name");
    for (const name of TABLES) assert.ok(tables.includes(name), `${name} in ${tables.join(', ')}`);
    assert.equal(await db.read((q) => q.get('PRAGMA user_version')?.user_version), LATEST);

    // A second "process" opening an up-to-date file migrates nothing and writes nothing.
    const before = statSync(file, { bigint: true });
    const other = openDb(t, dir);
    await other.db.ready();
    const after = statSync(file, { bigint: true });
    assert.equal(after.ino, before.ino, 'no rewrite of an up-to-date file');
    assert.equal(after.mtimeNs, before.mtimeNs);
  });

  test('an older-schema file is migrated once, by the first writer, keeping its rows', async (t) => {
    const dir = tempDir(t);
    const file = path.join(dir, DB_NAME);
    // A file as release 1 left it, holding one user.
    const SQL = await countingLoader().load();
    const old = new SQL.Database();
    const q = createQuery(old);
    MIGRATIONS.find((m) => m.version === 1)!.up(q);
    q.exec('PRAGMA user_version = 1');
    q.run("INSERT INTO users (username, username_key, display_name, role, created_at, updated_at) VALUES ('Ann', 'ann', 'Ann', 'member', 1, 1)");
    writeFileSync(file, q.export());
    q.close();

    let ran = 0;
    const next: Migration = {
      version: LATEST + 1,
      up(m) {
        ran += 1;
        // Not idempotent on purpose: run twice against the stored file, it would fail.
        m.exec('CREATE TABLE extra (n INTEGER NOT NULL); INSERT INTO extra (n) VALUES (1);');
      },
    };
    const migrations = [...MIGRATIONS, next];
    // Two "processes" of the new release start at once on the old file.
    const a = openDb(t, dir, { migrations });
    const b = openDb(t, dir, { migrations });
    await Promise.all([a.db.ready(), b.db.ready()]);
    assert.ok(ran >= 1);
    assert.deepEqual(await columnOnDisk(file, 'PRAGMA user_version'), [LATEST + 1]);
    assert.deepEqual(await columnOnDisk(file, 'SELECT count(*) FROM extra'), [1], 'the migration reached the file exactly once');
    assert.deepEqual(await columnOnDisk(file, 'SELECT username FROM users'), ['Ann']);
    assert.deepEqual(await b.db.read((r) => r.all('SELECT n FROM extra').map((row) => row.n)), [1]);

    // An older release refuses the newer file instead of writing over it.
    const stale = openDb(t, dir);
    await assert.rejects(stale.db.ready(), (error: unknown) => error instanceof StoreUnavailableError && /newer/.test(error.message));
  });

  test('fifty simultaneous first reads load sql.js once and log "database opened" once', async (t) => {
    const dir = tempDir(t);
    const loader = countingLoader();
    const { db, lines } = openDb(t, dir, { loadSql: loader.load });
    const counts = await Promise.all(Array.from({ length: 50 }, () => db.read((q) => Number(q.get('SELECT count(*) AS n FROM users')?.n))));
    assert.deepEqual(counts, Array(50).fill(0));
    assert.equal(loader.calls(), 1, 'one sql.js load');
    assert.equal(lines.filter((l) => / database opened /.test(l)).length, 1, lines.join('\n'));
    // And later calls reuse it.
    await db.read(() => undefined);
    assert.equal(loader.calls(), 1);
  });

  test("temporary files of killed processes (the database's and the lock's) are swept at open; a live process's are kept", async (t) => {
    const dir = tempDir(t);
    const dead = 4_194_305; // above the kernel's largest pid: no such process
    const lockFile = path.join(dir, `${DB_NAME}.lock`);
    const orphans = [`${DB_NAME}.${dead}-a1b2c3.tmp`, path.basename(lockTempName(lockFile, { pid: dead, token: 'AAECAwQF' }))];
    const live = path.basename(lockTempName(lockFile, { pid: process.ppid, token: 'BgcICQoL' }));
    for (const name of [...orphans, live]) writeFileSync(path.join(dir, name), 'x');
    const { db } = openDb(t, dir);
    await db.ready();
    assert.deepEqual(readdirSync(dir).filter((n) => n.endsWith('.tmp')), [live]);
  });

  test('a damaged database file is reported as damaged and left untouched', async (t) => {
    const dir = tempDir(t);
    const file = path.join(dir, DB_NAME);
    const garbage = randomBytes(8192);
    writeFileSync(file, garbage);
    const { db } = openDb(t, dir);
    await assert.rejects(db.ready(), (error: unknown) => error instanceof StoreUnavailableError && /damaged/.test(error.message));
    assert.match(db.lastLoadError ?? '', /damaged/);
    await assert.rejects(db.read(() => 1), StoreUnavailableError);
    await assert.rejects(db.write(() => 1), StoreUnavailableError);
    assert.deepEqual(readFileSync(file), garbage, 'never replaced by an empty database');
  });
});

describe('DatabaseFile: compaction', () => {
  const fill = (rows: number) => (q: Query) => {
    for (let i = 0; i < rows; i += 1) q.run("INSERT INTO audit_log (at, action, outcome, detail) VALUES (1, 'test', 'ok', ?)", ['x'.repeat(400)]);
  };
  const freePages = (q: Query) => Number(q.get('PRAGMA freelist_count')?.freelist_count);

  test('a commit that leaves a quarter of the file free is followed by VACUUM: the file, and every process, drop the dead pages', async (t) => {
    const dir = tempDir(t);
    const { db, lines, file } = openDb(t, dir);
    const other = openDb(t, dir);
    await db.write(fill(4000));
    const full = statSync(file).size;
    assert.ok(full > 1_500_000, `${full} bytes`);

    // A small delete leaves its pages for reuse: no rewrite.
    await db.write((q) => q.run('DELETE FROM audit_log WHERE id <= 100'));
    assert.equal(statSync(file).size, full);
    assert.ok((await db.read(freePages)) > 0);
    assert.equal(lines.filter((l) => / database compacted /.test(l)).length, 0);

    // A large one is given back, in the same write; the other process loads the smaller file.
    await db.write((q) => q.run('DELETE FROM audit_log WHERE id <= 3900'));
    const compacted = statSync(file).size;
    assert.ok(compacted < full / 4, `${full} -> ${compacted} bytes`);
    assert.equal(await db.read(freePages), 0);
    assert.equal(lines.filter((l) => / database compacted /.test(l)).length, 1, lines.join('\n'));
    assert.equal(await other.db.read((q) => Number(q.get('SELECT count(*) AS n FROM audit_log')?.n)), 100);
    assert.equal(await other.db.read(freePages), 0);
  });
});

describe('DatabaseFile: missing WASM', () => {
  test('ready() rejects with StoreUnavailableError, nothing goes unhandled, and restoring the file heals it after 5 s', async (t) => {
    const dir = tempDir(t);
    const wasmPath = path.join(dir, 'sql-wasm.wasm');
    copyFileSync(path.join(path.dirname(WASM), 'sql-wasm.js'), path.join(dir, 'sql-wasm.js')); // a release missing only the WASM
    let clock = 1_000_000;
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    t.after(() => process.off('unhandledRejection', onUnhandled));

    const { db } = openDb(t, dir, { loadSql: createSqlJsLoader({ wasmPath, now: () => clock }) });
    await assert.rejects(db.ready(), (error: unknown) => error instanceof StoreUnavailableError && /WASM file cannot be read \(ENOENT\)/.test(error.message));
    assert.match(db.lastLoadError ?? '', /WASM/);
    await assert.rejects(db.read(() => 1), StoreUnavailableError);

    copyFileSync(WASM, wasmPath);
    clock += 4999;
    await assert.rejects(db.ready(), StoreUnavailableError, 'within 5 s the failure is remembered (no disk thrash)');
    clock += 1;
    await db.ready();
    assert.equal(db.lastLoadError, undefined);
    assert.equal(await db.read((q) => Number(q.get('SELECT count(*) AS n FROM users')?.n)), 0);
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(unhandled, []);
  });
});

describe('sql.js loader: damaged WASM', () => {
  // In its own process: sql.js caches its first initialisation module-wide, and leaves one
  // rejection of its own unhandled, neither of which may leak into this test process.
  test('a damaged WASM is StoreUnavailableError "damaged", does not crash the process, and heals once replaced', async (t) => {
    const dir = tempDir(t);
    copyFileSync(path.join(path.dirname(WASM), 'sql-wasm.js'), path.join(dir, 'sql-wasm.js'));
    writeFileSync(path.join(dir, 'sql-wasm.wasm'), readFileSync(WASM).subarray(0, 5000)); // a truncated upload
    const worker = startWorker(t, ['wasm', dir]);
    const done = await worker.waitFor(/^done /);
    assert.match(worker.lines.find((l) => l.startsWith('first '))!, /^first StoreUnavailableError: the SQLite WASM file is damaged/);
    assert.match(worker.lines.find((l) => l.startsWith('soon '))!, /^soon StoreUnavailableError: .*damaged/, 'remembered for 5 s');
    assert.equal(worker.lines.find((l) => l.startsWith('later ')), 'later ok 42', 'healed without a restart');
    assert.deepEqual(await worker.exited, { code: 0, signal: null });
    t.diagnostic(`sql.js's own unhandled rejections: ${done}`);
  });
});

describe('DatabaseFile: two processes on one file', () => {
  test("a write through A is seen by B's very next read, both ways, many times over", async (t) => {
    const dir = tempDir(t);
    const a = openDb(t, dir).db;
    const b = openDb(t, dir).db;
    await Promise.all([a.ready(), b.ready()]);
    // Back-to-back writes land within one mtime tick: the reload must not rely on time alone.
    for (let i = 0; i < 40; i += 1) {
      const [writer, reader] = i % 2 === 0 ? [a, b] : [b, a];
      await writer.write(setMeta('turn', String(i)));
      assert.equal(await reader.read(getMeta('turn')), String(i), `turn ${i}`);
    }
  });

  test('a new version with the same size and mtime as the loaded one is still seen (coarse timestamps)', async (t) => {
    const dir = tempDir(t);
    const a = openDb(t, dir);
    const b = openDb(t, dir).db;
    const T = 1_700_000_000; // a whole second: exactly representable, as a coarse file system would store it
    await a.db.write(setMeta('k', '1'));
    utimesSync(a.file, T, T);
    assert.equal(await a.db.read(getMeta('k')), '1');
    const loaded = statSync(a.file, { bigint: true });
    await b.write(setMeta('k', '2'));
    utimesSync(a.file, T, T);
    const replaced = statSync(a.file, { bigint: true });
    assert.equal(replaced.size, loaded.size, 'precondition: same size');
    assert.equal(replaced.mtimeNs, loaded.mtimeNs, 'precondition: same mtime');
    assert.notEqual(replaced.ino, loaded.ino);
    assert.equal(await a.db.read(getMeta('k')), '2');
  });

  test('200 interleaved read-modify-write changes from A and B all land (no lost update)', async (t) => {
    const dir = tempDir(t);
    const a = openDb(t, dir).db;
    const b = openDb(t, dir).db;
    await Promise.all([a.ready(), b.ready()]);
    const started = performance.now();
    const pending: Promise<number>[] = [];
    for (let i = 0; i < 200; i += 1) {
      const db = i % 2 === 0 ? a : b;
      // Read-then-write inside one change: only a write that first reloads the other's version counts right.
      pending.push(
        db.write((q) => {
          const n = Number(getMeta('counter')(q) ?? 0) + 1;
          setMeta('counter', String(n))(q);
          q.run('INSERT INTO audit_log (at, action, outcome, detail) VALUES (?, ?, ?, ?)', [i, 'test', 'success', String(i)]);
          return n;
        }),
      );
      // Spread over turns so that the two instances' batches alternate.
      if (i % 10 === 9) await new Promise((resolve) => setImmediate(resolve));
    }
    const results = await Promise.all(pending);
    const ms = performance.now() - started;
    t.diagnostic(`200 writes from two instances in ${Math.round(ms)} ms (${Math.round((200 / ms) * 1000)} writes/s)`);
    assert.deepEqual([...results].sort((x, y) => x - y), Array.from({ length: 200 }, (_, i) => i + 1), 'each change saw the one before it');
    const file = path.join(dir, DB_NAME);
    assert.deepEqual(await columnOnDisk(file, "SELECT value FROM meta WHERE key = 'counter'"), ['200']);
    assert.deepEqual(await columnOnDisk(file, 'SELECT count(DISTINCT detail) FROM audit_log'), [200]);
    assert.equal(await a.read((q) => Number(q.get('SELECT count(*) AS n FROM audit_log')?.n)), 200);
    assert.equal(await b.read((q) => Number(q.get('SELECT count(*) AS n FROM audit_log')?.n)), 200);
  });

  test('three real processes: 300 read-modify-write changes all land, each seeing the one before', async (t) => {
    const dir = tempDir(t);
    await openDb(t, dir).db.ready(); // the file exists before the workers race
    const workers = await startTogether(t, ['a', 'b', 'c'].map((tag) => ['db', dir, '100', tag]));
    const begun = performance.now();
    const done = await Promise.all(workers.map((w) => w.waitFor(/^done /, 120_000)));
    const ms = performance.now() - begun;
    t.diagnostic(`3 processes × 100 writes in ${Math.round(ms)} ms (${Math.round((300 * 1000) / ms)} writes/s)`);
    const values = done.flatMap((line) => /values=(\S*)/.exec(line)![1]!.split(',').map(Number));
    assert.deepEqual(values.sort((x, y) => x - y), Array.from({ length: 300 }, (_, i) => i + 1), 'no two changes saw the same counter');
    const file = path.join(dir, DB_NAME);
    assert.deepEqual(await columnOnDisk(file, "SELECT value FROM meta WHERE key = 'counter'"), ['300']);
    assert.deepEqual(await columnOnDisk(file, 'SELECT count(DISTINCT detail) FROM audit_log'), [300]);
    assert.deepEqual(await columnOnDisk(file, 'PRAGMA integrity_check'), ['ok']);
  });

  test('a read racing the end of its own process\'s write (after the rename) does not break later reads', async (t) => {
    const dir = tempDir(t);
    let db: DatabaseFile | undefined;
    let racedRead: string | undefined;
    let arm = false;
    // Another request of the same process reads just after the rename, before the write returns.
    const fs: WriteFs = {
      open: fsp.open,
      unlink: fsp.unlink,
      rename: async (from, to) => {
        await fsp.rename(from, to);
        if (arm) {
          arm = false;
          racedRead = await db!.read(getMeta('k'));
        }
      },
    };
    db = openDb(t, dir, { fs }).db;
    await db.ready();
    arm = true;
    await db.write(setMeta('k', 'v1'));
    assert.equal(racedRead, 'v1');
    assert.equal(await db.read(getMeta('k')), 'v1');
    await db.write(setMeta('k', 'v2'));
    assert.equal(await db.read(getMeta('k')), 'v2');
  });
});

describe('DatabaseFile: readMemo', () => {
  test("one answer per version: computed once, again after a write here or in another process, never mixed across versions", async (t) => {
    const dir = tempDir(t);
    const a = openDb(t, dir).db;
    const b = openDb(t, dir).db;
    await a.write(setMeta('k', '1'));
    let computed = 0;
    const read = () =>
      a.readMemo('answer', (q, memo) => {
        computed += 1;
        // A second answer asked from inside the first comes from the same version.
        return `${getMeta('k')(q)}/${memo('inner', () => getMeta('k')(q))}`;
      });
    assert.equal(await read(), '1/1');
    assert.equal(await read(), '1/1');
    assert.equal(computed, 1, 'remembered for an unchanged file');

    await a.write(setMeta('k', '2'));
    assert.equal(await read(), '2/2', "this process's own write starts a new version");
    await b.write(setMeta('k', '3'));
    assert.equal(await read(), '3/3', "another process's write is seen on the very next call");
    assert.equal(computed, 3);
  });

  test('past memoLimit the oldest answer goes first, the newer ones stay', async (t) => {
    const { db } = openDb(t, tempDir(t), { memoLimit: 3 });
    await db.write(setMeta('k', 'v'));
    const calls: string[] = [];
    const ask = (key: string) => db.readMemo(key, () => (calls.push(key), key));
    for (const key of ['a', 'b', 'c', 'd']) await ask(key);
    calls.length = 0;
    for (const key of ['b', 'c', 'd', 'a']) await ask(key);
    assert.deepEqual(calls, ['a'], "'a', the oldest, was the one forgotten");
  });

  test('receivedAt: a stat made after a request arrived answers for it; a request that arrived after a write gets a stat of its own', async (t) => {
    const dir = tempDir(t);
    const a = openDb(t, dir).db;
    const b = openDb(t, dir).db; // another process
    await a.write(setMeta('k', '1'));
    const ask = (receivedAt: number) => a.readMemo(`k@${receivedAt}`, getMeta('k'), receivedAt);

    const before = performance.now();
    assert.equal(await ask(before), '1', 'the first read checks the file');
    await b.write(setMeta('k', '2')); // finished (renamed into place) only after `before`
    // A request that arrived before the last check: that check answers for it, no new stat.
    assert.equal(await ask(before), '1', 'sent before the write was done: the shared check stands');
    // A request that arrived after the other process's write: checked again, sees the write.
    const after = performance.now();
    assert.equal(await ask(after), '2', 'the next request after the write sees it');
    // Without receivedAt (every other caller) each read checks.
    await b.write(setMeta('k', '3'));
    assert.equal(await a.read(getMeta('k')), '3');
    assert.equal(await ask(before), '3', 'a later check is newer for everybody');
  });
});

describe('DatabaseFile: batches and failures', () => {
  test('a change that throws rolls back only itself; the rest of its batch commits in one file write', async (t) => {
    const dir = tempDir(t);
    const fs = failingFs({});
    const { db, file } = openDb(t, dir, { fs });
    await db.ready();
    const renamesBefore = fs.renames;
    const boom = new Error('boom');
    const outcomes = await Promise.allSettled([
      db.write(setMeta('a', '1')),
      db.write((q) => {
        setMeta('b', '1')(q);
        throw boom;
      }),
      db.write(setMeta('c', '1')),
    ]);
    assert.equal(outcomes[0]!.status, 'fulfilled');
    assert.deepEqual(outcomes[1], { status: 'rejected', reason: boom });
    assert.equal(outcomes[2]!.status, 'fulfilled');
    assert.equal(fs.renames - renamesBefore, 1, 'one batch, one write of the file');
    assert.deepEqual(await columnOnDisk(file, 'SELECT key FROM meta ORDER BY key'), ['a', 'c']);
    assert.deepEqual(await db.read((q) => q.all('SELECT key FROM meta ORDER BY key').map((r) => r.key)), ['a', 'c']);
  });

  for (const fail of [{ open: 'ENOSPC' }, { rename: 'EROFS' }]) {
    const what = Object.entries(fail)[0]!.join(' → ');
    test(`a failed write (${what}) rejects with StoreWriteError, leaves the file as it was, and drops the change from memory`, async (t) => {
      const dir = tempDir(t);
      const switchable: { open?: string; rename?: string } = {};
      const { db, file, lines } = openDb(t, dir, { fs: failingFs(switchable) });
      await db.ready();
      await db.write(setMeta('kept', 'yes'));
      const before = readFileSync(file);

      Object.assign(switchable, fail);
      const results = await Promise.allSettled([db.write(setMeta('lost', 'a')), db.write(setMeta('lost2', 'b'))]);
      for (const result of results) {
        assert.equal(result.status, 'rejected');
        const reason = (result as PromiseRejectedResult).reason as Error;
        assert.ok(reason instanceof StoreWriteError, String(reason));
        assert.match(reason.message, new RegExp(Object.values(fail)[0]!));
      }
      assert.deepEqual(readFileSync(file), before, 'the file on disk is unchanged');
      assert.deepEqual(readdirSync(dir).filter((n) => n.endsWith('.tmp')), [], 'no temporary file left');
      assert.equal(await db.read(getMeta('lost')), undefined, 'memory shows the disk, not the failed change');
      assert.equal(await db.read(getMeta('kept')), 'yes');
      assert.ok(lines.some((l) => /ERROR database write failed/.test(l)));

      delete switchable.open;
      delete switchable.rename;
      // The lock was released (the write below would wait 30 s for it otherwise) and nothing is left over.
      await db.write(setMeta('later', 'ok'));
      assert.deepEqual(await columnOnDisk(file, 'SELECT key FROM meta ORDER BY key'), ['kept', 'later']);
      await eventually(() => !existsSync(`${file}.lock`), 10_000, 'the lock to be released');
      assert.deepEqual(readdirSync(dir).sort(), [DB_NAME]);
    });
  }

  test('a lock that cannot be taken fails the batch as "busy" and writes nothing', async (t) => {
    const dir = tempDir(t);
    const file = path.join(dir, DB_NAME);
    const { db } = openDb(t, dir, { lock: createFileLock(`${file}.lock`, { timeoutMs: 100 }) });
    await db.ready();
    const before = readFileSync(file);
    // Held by this (live) process through another handle: never broken, so the writer gives up.
    const held = await createFileLock(`${file}.lock`).acquire();
    await assert.rejects(db.write(setMeta('x', '1')), (error: unknown) => error instanceof StoreUnavailableError && /busy/.test(error.message));
    await held.release();
    assert.deepEqual(readFileSync(file), before);
    await db.write(setMeta('x', '2'));
    assert.equal(await db.read(getMeta('x')), '2');
  });
});

describe('DatabaseFile: options', () => {
  test('maxBatch splits a large queue into several commits, all durable', async (t) => {
    const dir = tempDir(t);
    const fs = failingFs({});
    const { db, file } = openDb(t, dir, { fs, maxBatch: 10 });
    await db.ready();
    const before = fs.renames;
    await Promise.all(Array.from({ length: 35 }, (_, i) => db.write(setMeta(`k${i}`, 'v'))));
    assert.equal(fs.renames - before, 4);
    assert.deepEqual(await columnOnDisk(file, 'SELECT count(*) FROM meta'), [35]);
  });

  test('a DatabaseFile built by hand uses its logger and lock as given', async (t) => {
    const dir = tempDir(t);
    const logger = createMemoryLogger();
    const file = path.join(dir, DB_NAME);
    const db = new DatabaseFile({ file, loadSql: countingLoader().load, lock: createFileLock(`${file}.lock`), logger, migrations: MIGRATIONS });
    t.after(() => db.close());
    await db.write(setMeta('x', '1'));
    assert.ok(db.fileSize() > 0);
    assert.match(logger.lines.join('\n'), /INFO database opened file=\S+dashboard\.sqlite bytes=\d+ schema=\d+ ms=\d+/);
    assert.deepEqual(await onDisk(file, (d) => d.exec("SELECT value FROM meta WHERE key = 'x'")[0]?.values[0]), ['1']);
  });
});

test('a database file is held once in memory: sql.js keeps the Buffer readWhole reads rather than a copy of it (issue 15)', async (t) => {
  const dir = tempDir(t);
  const source = path.join(dir, 'copy.sqlite');
  const sql = await createSqlJsLoader({ wasmPath: WASM })();
  const made = new sql.Database();
  made.run('CREATE TABLE t (v TEXT)');
  made.run("INSERT INTO t VALUES ('kept')");
  writeFileSync(source, made.export());
  made.close();
  const { bytes, hold } = readHeld(source);
  hold.close();
  const db = new sql.Database(bytes);
  t.after(() => db.close());
  assert.deepEqual(db.exec('SELECT v FROM t')[0]?.values, [['kept']]);
  // Wiping the bytes read wipes the database sql.js opened: the same memory, not a second copy.
  // If sql.js ever copies (a new version), this fails and each process holds its files twice.
  bytes.fill(0);
  assert.throws(() => db.exec('SELECT v FROM t'));
});
