/**
 * The figures database for a DATA_DIR: figures.sqlite, a second sql.js file beside the auth
 * database. Separate because every process reloads a file that another process changed: auth
 * writes (each sign-in, refresh and sign-out) must not make every process reload megabytes of
 * figures, nor an import make them reload the users. Opened lazily, on first use; the health
 * check does not load sql.js.
 */
import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import path from 'node:path';
import type { HealthCheck } from '../http/health.ts';
import type { Logger } from '../log/index.ts';
import { DatabaseFile } from '../store/db-file.ts';
import { createFileLock } from '../store/lock.ts';
import type { SqlJsStatic } from '../store/sqljs.ts';
import { createFigures, type Figures } from './figures.ts';
import { FIGURES_MIGRATIONS } from './schema.ts';

export interface OpenFiguresOptions {
  readonly dataDir: string;
  /** The process's one sql.js loader (createSqlJsLoader), shared with the auth database. */
  readonly loadSql: () => Promise<SqlJsStatic>;
  readonly logger: Logger;
  /** Unix seconds. */
  readonly now: () => number;
}

export const FIGURES_FILE = 'figures.sqlite';

export function openFigures(options: OpenFiguresOptions): { figures: Figures; file: DatabaseFile; health: HealthCheck } {
  const dbPath = path.join(options.dataDir, FIGURES_FILE);
  const file = new DatabaseFile({
    file: dbPath,
    loadSql: options.loadSql,
    lock: createFileLock(`${dbPath}.lock`),
    logger: options.logger,
    migrations: FIGURES_MIGRATIONS,
  });
  const health: HealthCheck = {
    name: 'figures',
    async check() {
      try {
        await access(dbPath, constants.R_OK | constants.W_OK);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code !== 'ENOENT') throw new Error(`the figures database file is not readable and writable (${code})`);
      }
      if (file.lastOpenError !== undefined) throw new Error(file.lastOpenError);
    },
  };
  return { figures: createFigures(file, options.now), file, health };
}
