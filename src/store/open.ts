/**
 * Builds the store for a DATA_DIR: the database file, its lock and the sql.js loader, plus a
 * health check that does not load sql.js (a monitoring probe must not cost a process its lazy
 * start-up): the WASM file is readable, the database file (if any) is readable, and the last
 * attempt to open it, if any, succeeded.
 */
import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import type { HealthCheck } from '../health/index.ts';
import type { Logger } from '../log/index.ts';
import type { DatabaseFile } from '../db/db-file.ts';
import { createStore, type Store } from './index.ts';
import { openDatabaseFile } from '../db/open-file.ts';
import { MIGRATIONS } from './schema.ts';
import { createSqlJsLoader, type SqlJsStatic } from '../db/sqljs.ts';

export interface OpenStoreOptions {
  readonly dataDir: string;
  readonly wasmPath: string;
  /** The process's one sql.js loader, when another database file shares it. */
  readonly loadSql?: () => Promise<SqlJsStatic>;
  readonly logger: Logger;
  /** Seconds. */
  readonly now: () => number;
}

export const DATABASE_FILE = 'dashboard.sqlite';

export function openStore(options: OpenStoreOptions): { store: Store; file: DatabaseFile; health: HealthCheck } {
  const { file, checkFile } = openDatabaseFile({
    dataDir: options.dataDir,
    name: DATABASE_FILE,
    label: 'database',
    loadSql: options.loadSql ?? createSqlJsLoader({ wasmPath: options.wasmPath }),
    logger: options.logger,
    migrations: MIGRATIONS,
  });
  const store = createStore(file, options.now);
  const health: HealthCheck = {
    name: 'database',
    async check() {
      try {
        await access(options.wasmPath, constants.R_OK);
      } catch {
        throw new Error('the SQLite WASM file (dist/sql-wasm.wasm) is missing or unreadable');
      }
      await checkFile();
    },
  };
  return { store, file, health };
}
