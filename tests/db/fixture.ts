/**
 * Shared set-up for the store's tests: temporary folders, a real sql.js (WASM from
 * node_modules) behind a counting loader, and DatabaseFile instances that stand in for separate
 * processes (each has its own in-memory copy and its own lock handle on one shared file).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as fsp from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestContext } from 'node:test';
import { DatabaseFile, type DatabaseFileOptions, type WriteFs } from '../../src/db/db-file.ts';
import { createFileLock } from '../../src/db/lock.ts';
import { MIGRATIONS } from '../../src/store/schema.ts';
import { createSqlJsLoader, type Database, type SqlJsStatic } from '../../src/db/sqljs.ts';
import { createMemoryLogger } from '../../src/log/index.ts';

export const WASM = path.resolve(__dirname, '../../node_modules/sql.js/dist/sql-wasm.wasm');
export const DB_NAME = 'dashboard.sqlite';

export function tempDir(t: TestContext, prefix = 'dashboard-store-'): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** One real loader for the whole test file: sql.js itself caches its module per process anyway. */
const realLoader = createSqlJsLoader({ wasmPath: WASM });

export function countingLoader(): { load: () => Promise<SqlJsStatic>; calls: () => number } {
  let calls = 0;
  return {
    load: () => {
      calls += 1;
      return realLoader();
    },
    calls: () => calls,
  };
}

export interface TestDb {
  readonly db: DatabaseFile;
  readonly lines: string[];
  readonly file: string;
}

/** A DatabaseFile on `dir/dashboard.sqlite`: call twice on one folder for two "processes". */
export function openDb(t: TestContext, dir: string, overrides: Partial<DatabaseFileOptions> = {}): TestDb {
  const file = path.join(dir, DB_NAME);
  const logger = createMemoryLogger();
  const db = new DatabaseFile({
    file,
    loadSql: realLoader,
    lock: createFileLock(`${file}.lock`, { timeoutMs: 30_000 }),
    logger,
    migrations: MIGRATIONS,
    ...overrides,
  });
  t.after(() => db.close());
  return { db, lines: logger.lines, file };
}

/** Reads a database file straight from disk with sql.js, as an independent check. */
export async function onDisk<T>(file: string, reader: (db: Database) => T): Promise<T> {
  const SQL = await realLoader();
  const db = new SQL.Database(readFileSync(file));
  try {
    return reader(db);
  } finally {
    db.close();
  }
}

/** First column of every row of `sql`, read from the file on disk. */
export async function columnOnDisk(file: string, sql: string): Promise<unknown[]> {
  return onDisk(file, (db) => (db.exec(sql)[0]?.values ?? []).map((row) => row[0]));
}

/** File operations that fail on demand with an errno code, like a full or read-only disk. */
export function failingFs(fail: { open?: string; rename?: string }): WriteFs & { renames: number } {
  const errno = (code: string): NodeJS.ErrnoException => Object.assign(new Error(`${code}: simulated`), { code });
  const fs = {
    renames: 0,
    open: (async (...args: Parameters<typeof fsp.open>) => {
      if (fail.open !== undefined) throw errno(fail.open);
      return fsp.open(...args);
    }) as typeof fsp.open,
    rename: async (from: Parameters<typeof fsp.rename>[0], to: Parameters<typeof fsp.rename>[1]) => {
      if (fail.rename !== undefined) throw errno(fail.rename);
      fs.renames += 1;
      return fsp.rename(from, to);
    },
    unlink: fsp.unlink,
  };
  return fs;
}

/** Resolves once `condition` holds, checking every few ms; fails after `ms` (generous: machines are noisy). */
export async function eventually(condition: () => boolean, ms = 10_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
