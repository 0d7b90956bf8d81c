/**
 * A full disk costs nothing but the failed write: no empty lock files, no leaked handles, no
 * probe files, and everything works again once space is freed (audit finding: each failed lock
 * attempt left a 0-byte `*.lock.<pid>-<hex>.tmp`, and the health probe leaked a handle).
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { createFileLock } from '../../src/db/lock.ts';
import { dataDirCheck } from '../../src/health/data-dir.ts';
import { fullDisk } from '../helpers/full-disk.ts';

const openHandles = (): number => readdirSync('/proc/self/fd').length;

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
  const before = openHandles();
  for (let i = 0; i < 50; i += 1) {
    await assert.rejects(check.check(), { message: 'DATA_DIR is not writable (ENOSPC)' });
  }
  assert.equal(openHandles(), before, 'every probe handle was closed');
  assert.deepEqual(readdirSync(disk.dir), ['.filler']);

  disk.free();
  await check.check();
  assert.deepEqual(readdirSync(disk.dir), []);
});
