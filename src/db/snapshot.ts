/**
 * Copying database files out and putting them back while other processes use them, through
 * the same lock their writers take (db-file.ts): a copy read under the lock is a committed
 * version, never one half renamed in, and a file put back under it is renamed in whole, so
 * every running process sees the old version or the new one and reloads on its next read (the
 * file's identity changed). Knows nothing of what the files hold.
 */
import { closeSync, fstatSync, openSync } from 'node:fs';
import * as fsp from 'node:fs/promises';
import { hasSqliteHeader, readWhole, writeAtomically } from './file-ops.ts';
import { LockTimeoutError, type FileLock, type HeldLock } from './lock.ts';
import type { SqlJsStatic } from './sqljs.ts';

export interface LockedFile {
  readonly file: string;
  /** The file's own write lock: databaseLock(file) (open-file.ts), as its DatabaseFile takes it. */
  readonly lock: FileLock;
}

/** After this many rounds of finding another lock busy, give up: the files are written without pause. */
const MAX_ROUNDS = 50;
/** How long to try a further lock while holding others: about one ordinary write. */
const FURTHER_WAIT_MS = 25;

/**
 * Holds every lock at once while `work` runs, so that what it reads and writes is one moment
 * of all the files. Never waits long while holding a lock: a long write to one file (an import
 * of 100,000 figure records) must not stall the others' writers (sign-ins) behind us. So it
 * waits for one lock holding none, then tries each further one briefly; when one is busy it
 * lets all go and starts again with the busy one. The app's processes never hold two of these
 * locks, so nothing waits for us in a circle.
 */
export async function underLocks<T>(files: readonly LockedFile[], work: () => Promise<T>): Promise<T> {
  const order = [...files];
  const held: HeldLock[] = [];
  const releaseAll = async (): Promise<void> => {
    for (const lock of held.splice(0).reverse()) await lock.release().catch(() => undefined);
  };
  try {
    for (let round = 0; held.length < order.length; round += 1) {
      if (round >= MAX_ROUNDS) throw new LockTimeoutError(order.map((f) => f.lock.path).join(' + '), round * FURTHER_WAIT_MS);
      held.push(await order[0]!.lock.acquire());
      for (const [i, { lock }] of order.entries()) {
        if (i === 0) continue;
        try {
          held.push(await lock.acquire({ timeoutMs: FURTHER_WAIT_MS }));
        } catch (error) {
          if (!(error instanceof LockTimeoutError)) throw error;
          await releaseAll();
          order.unshift(...order.splice(i, 1));
          break;
        }
      }
    }
    return await work();
  } finally {
    await releaseAll();
  }
}

/** The bytes of each file as its writers last committed it; undefined for a file not written yet. */
export function readSnapshot(files: readonly LockedFile[]): Promise<Array<Uint8Array | undefined>> {
  return underLocks(files, () => readFiles(files));
}

/** The files' bytes, for a caller that already holds their locks (underLocks). */
export async function readFiles(files: readonly LockedFile[]): Promise<Array<Uint8Array | undefined>> {
  return files.map(({ file }) => {
    let fd: number;
    try {
      fd = openSync(file, 'r');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    try {
      return readWhole(fd, fstatSync(fd).size);
    } finally {
      closeSync(fd);
    }
  });
}

/**
 * Puts `bytes` in place of each file, each atomically (temporary file, fsync, rename), for a
 * caller that holds their locks (underLocks).
 */
export async function replaceFiles(replacements: ReadonlyArray<{ readonly file: string; readonly bytes: Uint8Array }>): Promise<void> {
  for (const { file, bytes } of replacements) (await writeAtomically(fsp, file, bytes)).hold.close();
}

export type DatabaseCheck = { readonly ok: true; readonly schema: number } | { readonly ok: false; readonly problem: string };

/**
 * Opens the bytes as a database and asks SQLite to check every page and index
 * (`PRAGMA integrity_check`); reports the schema version (`user_version`) too, so that a
 * caller can refuse a file from a newer release. Never throws for bad bytes.
 */
export function checkDatabase(sql: SqlJsStatic, bytes: Uint8Array): DatabaseCheck {
  // sql.js opens anything (an empty database is valid): the header, 100 bytes in all, tells a database from other bytes.
  if (bytes.length < 100 || !hasSqliteHeader(bytes)) {
    return { ok: false, problem: 'not an SQLite database' };
  }
  let db;
  try {
    // A copy: sql.js would keep a Buffer's own memory (file-ops.ts readWhole), and these bytes
    // are archived after the check.
    db = new sql.Database(new Uint8Array(bytes));
  } catch (error) {
    return { ok: false, problem: `cannot be opened (${error instanceof Error ? error.message : 'error'})` };
  }
  try {
    const rows = (db.exec('PRAGMA integrity_check')[0]?.values ?? []).map((row) => String(row[0]));
    if (rows.length !== 1 || rows[0] !== 'ok') return { ok: false, problem: `integrity check failed: ${rows.slice(0, 3).join('; ')}` };
    const schema = Number(db.exec('PRAGMA user_version')[0]?.values[0]?.[0] ?? 0);
    return { ok: true, schema };
  } catch (error) {
    return { ok: false, problem: `damaged (${error instanceof Error ? error.message : 'error'})` };
  } finally {
    db.close();
  }
}
