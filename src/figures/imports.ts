/**
 * Writing records: one import is one change inside one DatabaseFile.write, so it lands whole or
 * not at all. Re-importing a period replaces it: the records of the file's days (first to last)
 * for the (category, metric) pairs the file holds are deleted first, and only those, so a file
 * of one branch's revenue never erases another branch's, nor the same branch's visitors.
 */
import type { Query } from '../db/query.ts';
import type { ParsedRecord } from './csv-fields.ts';
import type { ImportSummary } from './types.ts';

export interface ImportMeta {
  /** Who imported: a username, or `cli:<login>`. */
  readonly actor: string;
  readonly filename: string;
  /** Called while the records are written (inside the write: keep it quick and synchronous). */
  readonly onProgress?: (done: number, total: number) => void;
}

const PROGRESS_EVERY = 10_000;

/**
 * One (category, metric) pair's records over a period. The index is named, not left to the
 * planner: without statistics it would walk the key's (metric, date) range over every category,
 * once per pair of the file.
 */
export const REPLACE_PAIR = 'DELETE FROM records INDEXED BY records_metric_category WHERE metric = ? AND category = ? AND date BETWEEN ? AND ?';

interface ImportRow {
  id: number;
  at: number;
  actor: string;
  filename: string;
  rows: number;
  replaced: number;
  first_date: string;
  last_date: string;
  [key: string]: string | number;
}

function summary(row: ImportRow): ImportSummary {
  return { id: row.id, at: row.at, actor: row.actor, filename: row.filename, rows: row.rows, replaced: row.replaced, from: row.first_date, to: row.last_date };
}

export function insertImport(q: Query, rows: readonly ParsedRecord[], meta: ImportMeta, now: number): ImportSummary {
  if (rows.length === 0) throw new RangeError('there are no records to import');
  let first = rows[0]!.date;
  let last = first;
  const pairs = new Map<string, { category: string; metric: string }>();
  for (const row of rows) {
    if (row.date < first) first = row.date;
    if (row.date > last) last = row.date;
    pairs.set(`${row.category}\u0000${row.metric}`, { category: row.category, metric: row.metric });
  }
  let replaced = 0;
  for (const pair of pairs.values()) {
    replaced += q.run(REPLACE_PAIR, [pair.metric, pair.category, first, last]).changes;
  }
  q.run('INSERT INTO imports (at, actor, filename, rows, replaced, first_date, last_date) VALUES (?, ?, ?, ?, ?, ?, ?)', [
    now,
    meta.actor.slice(0, 200),
    meta.filename.slice(0, 200),
    rows.length,
    replaced,
    first,
    last,
  ]);
  const id = q.get<{ id: number }>('SELECT last_insert_rowid() AS id')!.id;
  // One prepared statement (Query caches it) for every row, inside the write's transaction.
  const insert = 'INSERT INTO records (date, category, metric, value, note, import_id) VALUES (?, ?, ?, ?, ?, ?)';
  for (let i = 0; i < rows.length; i += 1) {
    const row = rows[i]!;
    q.run(insert, [row.date, row.category, row.metric, row.value, row.note, id]);
    if (meta.onProgress !== undefined && (i + 1) % PROGRESS_EVERY === 0) meta.onProgress(i + 1, rows.length);
  }
  meta.onProgress?.(rows.length, rows.length);
  return { id, at: now, actor: meta.actor.slice(0, 200), filename: meta.filename.slice(0, 200), rows: rows.length, replaced, from: first, to: last };
}

export function listImports(q: Query, limit: number): ImportSummary[] {
  const max = Math.min(Math.max(1, Math.floor(limit)), 1000);
  return q.all<ImportRow>('SELECT id, at, actor, filename, rows, replaced, first_date, last_date FROM imports ORDER BY id DESC LIMIT ?', [max]).map(summary);
}

export function countRecords(q: Query): number {
  return q.get<{ n: number }>('SELECT COUNT(*) AS n FROM records')?.n ?? 0;
}
