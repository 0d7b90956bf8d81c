/**
 * Figures schema 3 (issue 15): the records without rowid, keyed (metric, date, category), half
 * the bytes every process holds. A file written by schema 2 is migrated by the first process
 * that opens it, keeps every record, note, format and import, answers the same views, and is
 * compacted: the old table's pages do not stay in the file (nor in every process's memory).
 */
import assert from 'node:assert/strict';
import { statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { createQuery } from '../../src/db/query.ts';
import { createSqlJsLoader } from '../../src/db/sqljs.ts';
import { FIGURES_FILE } from '../../src/figures/open.ts';
import { FIGURES_MIGRATIONS } from '../../src/figures/schema.ts';
import type { Filters } from '../../src/figures/types.ts';
import { daily, openTestFigures, tempDataDir, WASM } from './fixture.ts';

const CATEGORIES = ['North', 'South', '지점 3', 'East', 'West'];
const METRICS = ['revenue', 'visitors'];
const DAYS = 400; // 4,000 records

/** A figures.sqlite as schema 2 wrote it, with records, one note, a format and the import. */
async function writeSchema2(dataDir: string): Promise<void> {
  const SQL = await createSqlJsLoader({ wasmPath: WASM })();
  const q = createQuery(new SQL.Database());
  for (const migration of FIGURES_MIGRATIONS.filter((m) => m.version <= 2)) migration.up(q);
  q.exec('PRAGMA user_version = 2');
  q.run("INSERT INTO imports (at, actor, filename, rows, replaced, first_date, last_date) VALUES (1750000000, 'alice', 'old.csv', 4000, 0, '2024-01-01', '2025-02-03')");
  q.exec('BEGIN');
  for (const r of daily('2024-01-01', DAYS, CATEGORIES, METRICS, (d, c, m) => (d * 7 + c * 3 + m) % 101)) {
    q.run('INSERT INTO records (date, category, metric, value, note, import_id) VALUES (?, ?, ?, ?, ?, 1)', [r.date, r.category, r.metric, r.value, r.date === '2024-02-29' && r.category === 'North' ? 'leap day' : null]);
  }
  q.exec('COMMIT');
  q.run("INSERT INTO metrics (metric, unit, decimals) VALUES ('revenue', '€', 2)");
  writeFileSync(path.join(dataDir, FIGURES_FILE), q.export());
  q.close();
}

test('a schema-2 figures file is migrated to schema 3 whole, answers the same, and shrinks', async (t) => {
  const dataDir = tempDataDir(t);
  await writeSchema2(dataDir);
  const file = path.join(dataDir, FIGURES_FILE);
  const before = statSync(file).size;

  // The first process to open the old file migrates it, under the lock, and writes it back.
  const { figures, file: db } = openTestFigures(t, dataDir);
  await figures.ready();
  assert.equal(await db.read((q) => q.get<{ v: number }>('SELECT user_version AS v FROM pragma_user_version')?.v), 3);
  assert.equal(await figures.count(), DAYS * CATEGORIES.length * METRICS.length);

  const after = statSync(file).size;
  assert.ok(after < before * 0.75, `the file shrank: ${before} -> ${after} bytes`);
  assert.equal(await db.read((q) => q.get<{ n: number }>('SELECT freelist_count AS n FROM pragma_freelist_count')?.n), 0, 'no free pages left behind');
  const schema = await db.read((q) => q.all<{ name: string; sql: string }>("SELECT name, sql FROM sqlite_schema WHERE tbl_name = 'records' AND sql IS NOT NULL"));
  assert.match(schema.find((s) => s.name === 'records')!.sql, /WITHOUT ROWID/);
  assert.deepEqual(schema.map((s) => s.name).sort(), ['records', 'records_metric_category']);

  // Every record kept, notes and formats and the import history too.
  const all = await figures.rows({ metric: 'revenue', category: null, from: '2024-01-01', to: '2025-12-31' });
  assert.equal(all.length, DAYS * CATEGORIES.length);
  assert.deepEqual(all.find((r) => r.note !== null), { date: '2024-02-29', category: 'North', metric: 'revenue', value: (59 * 7 + 0) % 101, note: 'leap day' });
  assert.deepEqual((await figures.metricFormats()).find((f) => f.metric === 'revenue'), { metric: 'revenue', unit: '€', decimals: 2, set: true });
  assert.equal((await figures.listImports())[0]!.filename, 'old.csv');

  // The same views as a fresh schema-3 database holding the same records.
  const fresh = openTestFigures(t);
  await fresh.figures.importRecords(daily('2024-01-01', DAYS, CATEGORIES, METRICS, (d, c, m) => (d * 7 + c * 3 + m) % 101), { actor: 'alice', filename: 'new.csv' });
  await fresh.figures.setMetricFormat('revenue', '€', 2);
  for (const filters of [
    { metric: 'revenue', category: null, from: '2024-03-01', to: '2024-12-31' },
    { metric: 'visitors', category: '지점 3', from: '2024-01-01', to: '2025-02-03' },
  ] satisfies Filters[]) {
    const [old, now] = [await figures.view(filters), await fresh.figures.view(filters)];
    assert.deepEqual({ ...old, today: '' }, { ...now, today: '' });
    for (const sort of ['date', 'value', 'category'] as const) {
      const request = { page: 3, pageSize: 25, sort, dir: 'asc' as const };
      assert.deepEqual(await figures.table(filters, request), await fresh.figures.table(filters, request));
    }
  }
  assert.deepEqual(await figures.options(), await fresh.figures.options());

  // A re-import of a pair still replaces its period, and a duplicate row is still refused.
  await figures.importRecords(daily('2024-01-01', 10, ['North'], ['revenue'], () => 1), { actor: 'bob', filename: 'fix.csv' });
  assert.equal(await figures.count(), DAYS * CATEGORIES.length * METRICS.length);
  const twice = daily('2024-01-01', 1, ['North'], ['revenue'], () => 1);
  await assert.rejects(figures.importRecords([...twice, ...twice], { actor: 'bob', filename: 'dup.csv' }), /UNIQUE/);
});
