/**
 * One sql.js database file in DATA_DIR, as the auth store and the figures both open theirs:
 * the DatabaseFile (opened lazily) with its lock beside it, and the file's part of a health
 * check — readable and writable if it exists, an SQLite file by its header, and the last
 * attempt to open or reload it, if any, good — which never loads sql.js (a monitoring probe must
 * not cost a process its lazy start-up).
 */
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '../log/index.ts';
import { DatabaseFile, type Migration } from './db-file.ts';
import { hasSqliteHeader, SQLITE_HEADER } from './file-ops.ts';
import { createFileLock, type FileLock, type FileLockOptions } from './lock.ts';
import type { SqlJsStatic } from './sqljs.ts';

export interface DatabaseFileSpec {
  readonly dataDir: string;
  /** The file's name in DATA_DIR. */
  readonly name: string;
  /** How the health message names it ("database", "figures database"). */
  readonly label: string;
  readonly loadSql: () => Promise<SqlJsStatic>;
  readonly logger: Logger;
  readonly migrations: readonly Migration[];
  /** Answers readMemo keeps per version (the auth store's sessions: the default). */
  readonly memoLimit?: number;
}

/** The file's first 16 bytes, opened for reading and writing: the app needs both. */
async function readHeader(file: string): Promise<Buffer> {
  const handle = await open(file, constants.O_RDWR);
  try {
    const header = Buffer.alloc(SQLITE_HEADER.length);
    const { bytesRead } = await handle.read(header, 0, header.length, 0);
    return header.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/** The write lock of a database file: one name, so a backup or a restore takes the very lock the app's writers take. */
export function databaseLock(dbPath: string, options?: FileLockOptions): FileLock {
  return createFileLock(`${dbPath}.lock`, options);
}

export function openDatabaseFile(spec: DatabaseFileSpec): { file: DatabaseFile; checkFile: () => Promise<void> } {
  const dbPath = path.join(spec.dataDir, spec.name);
  const file = new DatabaseFile({
    file: dbPath,
    loadSql: spec.loadSql,
    lock: databaseLock(dbPath),
    logger: spec.logger,
    migrations: spec.migrations,
    ...(spec.memoLimit === undefined ? {} : { memoLimit: spec.memoLimit }),
  });
  const checkFile = async (): Promise<void> => {
    let header: Buffer;
    try {
      header = await readHeader(dbPath);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') header = SQLITE_HEADER; // not written yet: the first write creates it
      else throw new Error(`the ${spec.label} file is not readable and writable (${code})`);
    }
    // Empty is how a database starts (DatabaseFile reads it as a new one); anything else must be SQLite.
    if (header.length > 0 && !hasSqliteHeader(header)) throw new Error(`the ${spec.label} file is damaged (it is not an SQLite database)`);
    const failed = file.lastLoadError;
    if (failed !== undefined) throw new Error(failed);
  };
  return { file, checkFile };
}
