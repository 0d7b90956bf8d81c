/** Runs the schema migrations a database lacks, each in a savepoint, recording `user_version`. */
import type { Query } from './query.ts';

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
