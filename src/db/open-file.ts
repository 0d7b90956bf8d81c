/**
 * One sql.js database file in DATA_DIR, as the auth store and the figures both open theirs:
 * the DatabaseFile (opened lazily) with its lock beside it, and the file's part of a health
 * check — readable and writable if it exists, and the last attempt to open it, if any, good —
 * which never loads sql.js (a monitoring probe must not cost a process its lazy start-up).
 */
import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '../log/index.ts';
import { DatabaseFile, type Migration } from './db-file.ts';
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
    try {
      await access(dbPath, constants.R_OK | constants.W_OK);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT') throw new Error(`the ${spec.label} file is not readable and writable (${code})`);
    }
    if (file.lastOpenError !== undefined) throw new Error(file.lastOpenError);
  };
  return { file, checkFile };
}
