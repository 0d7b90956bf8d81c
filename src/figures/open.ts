/**
 * The figures database for a DATA_DIR: figures.sqlite, a second sql.js file beside the auth
 * database. Separate because every process reloads a file that another process changed: auth
 * writes (each sign-in, refresh and sign-out) must not make every process reload megabytes of
 * figures, nor an import make them reload the users. Opened lazily, on first use; the health
 * check does not load sql.js.
 */
import type { HealthCheck } from '../health/index.ts';
import type { Logger } from '../log/index.ts';
import type { DatabaseFile } from '../db/db-file.ts';
import { openDatabaseFile } from '../db/open-file.ts';
import type { SqlJsStatic } from '../db/sqljs.ts';
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

/** Views a process keeps per version of the figures: each is a few series, and keys come from query strings. */
export const FIGURES_MEMO_LIMIT = 64;

export function openFigures(options: OpenFiguresOptions): { figures: Figures; file: DatabaseFile; health: HealthCheck } {
  const { file, checkFile } = openDatabaseFile({
    ...options,
    name: FIGURES_FILE,
    label: 'figures database',
    migrations: FIGURES_MIGRATIONS,
    memoLimit: FIGURES_MEMO_LIMIT,
  });
  return { figures: createFigures(file, options.now), file, health: { name: 'figures', check: checkFile } };
}
