/**
 * The figures database's schema (figures.sqlite, apart from the auth database: see
 * src/README.md). Append migrations; never edit a released one.
 */
import type { Migration } from '../db/db-file.ts';

export const FIGURES_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    up(q) {
      q.exec(`
        CREATE TABLE imports (
          id INTEGER PRIMARY KEY,
          at INTEGER NOT NULL,            -- unix seconds
          actor TEXT NOT NULL,
          filename TEXT NOT NULL,
          rows INTEGER NOT NULL,
          replaced INTEGER NOT NULL,      -- records of the same period and pairs it replaced
          first_date TEXT NOT NULL,
          last_date TEXT NOT NULL
        );
        CREATE TABLE records (
          id INTEGER PRIMARY KEY,
          date TEXT NOT NULL,             -- YYYY-MM-DD
          category TEXT NOT NULL,
          metric TEXT NOT NULL,
          value REAL NOT NULL,
          note TEXT,
          import_id INTEGER,
          UNIQUE (metric, category, date) -- also the index of a view filtered by category
        );
        -- A view of one metric over a period, every category: the covering index answers it
        -- without touching the table.
        CREATE INDEX records_metric_date ON records (metric, date, category, value);
      `);
    },
  },
  {
    // How each metric is written (metric-formats.ts): a unit and decimal places chosen by an
    // admin; a NULL decimals means "as the data needs".
    version: 2,
    up(q) {
      q.exec(`
        CREATE TABLE metrics (
          metric TEXT PRIMARY KEY,
          unit TEXT NOT NULL DEFAULT '',
          decimals INTEGER CHECK (decimals IS NULL OR decimals BETWEEN 0 AND 4)
        );
      `);
    },
  },
  {
    // Half the size, in memory as on disk (every process holds the whole file: issue 15): the
    // records keyed by what the views look up, with no rowid, no id nobody read, and no index
    // repeating every column. The key (metric, date, category) orders a metric's days and holds
    // the value, so a view over every category reads it alone; the index (metric, category,
    // date) serves one category, the menus and the re-import of a pair. 100,000 records: 12.4
    // MiB before, 7.4 after. The space the old table leaves is given back by DatabaseFile's
    // VACUUM after the commit.
    version: 3,
    up(q) {
      q.exec(`
        CREATE TABLE records_v3 (
          date TEXT NOT NULL,             -- YYYY-MM-DD
          category TEXT NOT NULL,
          metric TEXT NOT NULL,
          value REAL NOT NULL,
          note TEXT,
          import_id INTEGER,
          PRIMARY KEY (metric, date, category)
        ) WITHOUT ROWID;
        INSERT INTO records_v3 (date, category, metric, value, note, import_id)
          SELECT date, category, metric, value, note, import_id FROM records ORDER BY metric, date, category;
        DROP TABLE records;
        ALTER TABLE records_v3 RENAME TO records;
        CREATE INDEX records_metric_category ON records (metric, category, date);
      `);
    },
  },
];
