/**
 * A thin layer over one sql.js Database: cached prepared statements (preparing costs more than
 * running the small lookups on the hot path) and typed rows.
 */
import type { Database, SqlValue, Statement } from 'sql.js';

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

export function createQuery(db: Database): Connection {
  const statements = new Map<string, Statement>();
  const prepared = (sql: string): Statement => {
    let statement = statements.get(sql);
    if (statement === undefined) {
      statement = db.prepare(sql);
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
      } finally {
        statement.reset();
      }
    },
    exec(sql: string) {
      db.exec(sql);
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
