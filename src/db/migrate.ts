/** Runs the schema migrations a database lacks, each in a savepoint, recording `user_version`. */
import { createQuery, type Connection, type Query } from './query.ts';
import { StoreUnavailableError, type Database, type SqlJsStatic } from './sqljs.ts';

export interface Migration {
  readonly version: number;
  readonly up: (q: Query) => void;
}

export function latestVersion(migrations: readonly Migration[]): number {
  return Math.max(0, ...migrations.map((m) => m.version));
}

/** True if any migration ran. Throws for a database newer than this release (never downgrade data). */
export function applyMigrations(query: Query, migrations: readonly Migration[]): boolean {
  const version = Number(query.get<{ user_version: number }>('PRAGMA user_version')?.user_version ?? 0);
  const latest = latestVersion(migrations);
  if (version > latest) throw new Error(`schema ${version} is newer than this release (${latest})`);
  let applied = false;
  for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
    if (migration.version <= version) continue;
    applied = true;
    query.exec('SAVEPOINT migrate');
    try {
      migration.up(query);
      query.exec(`PRAGMA user_version = ${migration.version}`);
      query.exec('RELEASE migrate');
    } catch (error) {
      query.exec('ROLLBACK TO migrate');
      query.exec('RELEASE migrate');
      throw error;
    }
  }
  return applied;
}

/** A connection to the database `bytes` hold (empty: a new one), migrated to the latest schema. */
export function openMigrated(
  sql: SqlJsStatic,
  bytes: Uint8Array,
  migrations: readonly Migration[],
  onCorrupt?: (error: StoreUnavailableError) => void,
): { query: Connection; behind: boolean } {
  let db: Database;
  try {
    db = bytes.length === 0 ? new sql.Database() : new sql.Database(bytes);
  } catch (error) {
    throw new StoreUnavailableError('the database file is damaged', { cause: error });
  }
  const query = createQuery(db, onCorrupt);
  try {
    return { query, behind: applyMigrations(query, migrations) };
  } catch (error) {
    query.close();
    throw new StoreUnavailableError('the database file is damaged or from a newer version', { cause: error });
  }
}
