/**
 * A full disk costs nothing but the failed write: no empty lock files, no leaked handles, no
 * probe files, and everything works again once space is freed (audit finding: each failed lock
 * attempt left a 0-byte `*.lock.<pid>-<hex>.tmp`, and the health probe leaked a handle).
 */
import assert from 'node:assert/strict';
import { readdirSync, readlinkSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { createFileLock } from '../../src/db/lock.ts';
import { dataDirCheck } from '../../src/health/data-dir.ts';
import { fullDisk } from '../helpers/full-disk.ts';

/**
 * This process's open files inside `dir` (a deleted one too: its link reads "<path> (deleted)").
 * Not every handle of the process: other work in it opens and closes its own meanwhile.
 */
const handlesInto = (dir: string): string[] =>
  readdirSync('/proc/self/fd').flatMap((fd) => {
    try {
      const target = readlinkSync(`/proc/self/fd/${fd}`);
      return target.startsWith(`${dir}/`) ? [target] : [];
    } catch {
      return []; // closed while we looked (the readdir's own handle, for one)
    }
  });

test('a lock attempt on a full disk fails with ENOSPC and leaves no file behind', async (t) => {
  const disk = fullDisk(t);
  if (disk === undefined) return;
  const lock = createFileLock(path.join(disk.dir, 'dashboard.sqlite.lock'), { timeoutMs: 200 });
  for (let i = 0; i < 20; i += 1) {
    await assert.rejects(lock.acquire(), { code: 'ENOSPC' });
  }
  assert.deepEqual(readdirSync(disk.dir), ['.filler']);

  disk.free();
  const held = await lock.acquire();
  await held.release();
  assert.deepEqual(readdirSync(disk.dir), []);
});

test('the data_dir health check says why on a full disk, and leaks neither handles nor probe files', async (t) => {
  const disk = fullDisk(t);
  if (disk === undefined) return;
  const check = dataDirCheck(disk.dir);
  for (let i = 0; i < 50; i += 1) {
    await assert.rejects(check.check(), { message: 'DATA_DIR is not writable (ENOSPC)' });
  }
  assert.deepEqual(handlesInto(disk.dir), [], 'every probe handle was closed');
  assert.deepEqual(readdirSync(disk.dir), ['.filler']);

  disk.free();
  await check.check();
  assert.deepEqual(readdirSync(disk.dir), []);
});
