/**
 * A thin layer over one sql.js Database: cached prepared statements (preparing costs more than
 * running the small lookups on the hot path) and typed rows.
 *
 * SQLite reads pages only when a statement needs them, so a file whose header is intact but
 * whose pages are not opens fine and fails later, statement by statement. Those failures are the
 * store being unavailable (503), not a bug in the caller (500): they become StoreUnavailableError,
 * and `onCorrupt` lets the owner tell /healthz.
 */
import type { Database, SqlValue, Statement } from 'sql.js';
import { StoreUnavailableError } from './sqljs.ts';

export type Params = readonly SqlValue[] | Readonly<Record<string, SqlValue>>;
export type Row = Record<string, SqlValue>;

export interface Query {
  get<T extends Row = Row>(sql: string, params?: Params): T | undefined;
  all<T extends Row = Row>(sql: string, params?: Params): T[];
  run(sql: string, params?: Params): { changes: number };
  exec(sql: string): void;
}

/** A Query that also owns its database: export it, close it. */
export interface Connection extends Query {
  export(): Uint8Array;
  close(): void;
}

const CORRUPT = /database disk image is malformed|file is not a database/;

export function createQuery(db: Database, onCorrupt?: (error: StoreUnavailableError) => void): Connection {
  const statements = new Map<string, Statement>();
  const failed = (error: unknown): never => {
    if (!(error instanceof Error) || !CORRUPT.test(error.message)) throw error;
    const damaged = new StoreUnavailableError('the database file is damaged', { cause: error });
    onCorrupt?.(damaged);
    throw damaged;
  };
  const prepared = (sql: string): Statement => {
    let statement = statements.get(sql);
    if (statement === undefined) {
      try {
        statement = db.prepare(sql);
      } catch (error) {
        return failed(error); // preparing reads the schema's pages
      }
      statements.set(sql, statement);
    }
    return statement;
  };
  // sql.js's bind() types take mutable arrays; ours are read-only views of the same shapes.
  const bind = (statement: Statement, params: Params | undefined): void => {
    if (params !== undefined) statement.bind(params as SqlValue[]);
  };

  return {
    get<T extends Row>(sql: string, params?: Params): T | undefined {
      const statement = prepared(sql);
      try {
        bind(statement, params);
        return statement.step() ? (statement.getAsObject() as T) : undefined;
      } catch (error) {
        return failed(error);
      } finally {
        statement.reset();
      }
    },
    all<T extends Row>(sql: string, params?: Params): T[] {
      const statement = prepared(sql);
      const rows: T[] = [];
      try {
        bind(statement, params);
        while (statement.step()) rows.push(statement.getAsObject() as T);
        return rows;
      } catch (error) {
        return failed(error);
      } finally {
        statement.reset();
      }
    },
    run(sql: string, params?: Params) {
      const statement = prepared(sql);
      try {
        bind(statement, params);
        statement.step();
        return { changes: db.getRowsModified() };
      } catch (error) {
        return failed(error);
      } finally {
        statement.reset();
      }
    },
    exec(sql: string) {
      try {
        db.exec(sql);
      } catch (error) {
        failed(error);
      }
    },
    export() {
      return db.export();
    },
    close() {
      for (const statement of statements.values()) statement.free();
      statements.clear();
      db.close();
    },
  };
}
