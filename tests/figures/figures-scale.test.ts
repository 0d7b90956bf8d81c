/**
 * 100,000 records: how long an import, a re-import, a view and a page take (printed; asserted
 * only loosely, as the machine may be busy), and that the queries use the indexes.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ParsedRecord } from '../../src/figures/csv.ts';
import { addDays } from '../../src/figures/dates.ts';
import { REPLACE_PAIR } from '../../src/figures/imports.ts';
import type { Filters, SortColumn } from '../../src/figures/types.ts';
import { openTestFigures } from './fixture.ts';

const CATEGORIES = ['서울 지점', '부산 지점', '온라인', 'Head office', ...Array.from({ length: 16 }, (_, i) => `Branch ${i + 1}`)];
const METRICS = ['revenue', 'visitors', 'members', 'orders', 'refunds'];

function hundredThousand(): ParsedRecord[] {
  const out: ParsedRecord[] = [];
  for (let d = 0; d < 1000; d += 1) {
    const date = addDays('2023-01-01', d);
    CATEGORIES.forEach((category, c) =>
      METRICS.forEach((metric, m) => out.push({ date, category, metric, value: ((d * 31 + c * 7 + m) % 1000) + 0.25, note: d % 97 === 0 ? 'a note' : null })),
    );
  }
  return out;
}

function stats(samples: number[]): { median: number; p95: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => Math.round(sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))]! * 100) / 100;
  return { median: at(0.5), p95: at(0.95) };
}

test('100,000 records: import, re-import, views and pages', async (t) => {
  const { figures, file, dataDir } = openTestFigures(t);
  await figures.ready();
  const records = hundredThousand();
  assert.equal(records.length, 100_000);
  let started = performance.now();
  const first = await figures.importRecords(records, { actor: 'bench', filename: 'big.csv' });
  const importMs = performance.now() - started;
  // Another process, open before the re-import: its next read reloads the whole file.
  const other = openTestFigures(t, dataDir);
  await other.figures.ready();
  started = performance.now();
  const again = await figures.importRecords(records, { actor: 'bench', filename: 'big.csv' });
  const reimportMs = performance.now() - started;
  assert.deepEqual([first.rows, first.replaced, again.replaced, await figures.count()], [100_000, 0, 100_000, 100_000]);
  console.log(`# import 100,000: ${Math.round(importMs)} ms; re-import (replacing all): ${Math.round(reimportMs)} ms; file ${(file.fileSize() / 1e6).toFixed(1)} MB`);
  assert.ok(importMs < 30_000 && reimportMs < 30_000);
  started = performance.now();
  const options = await figures.options();
  const optionsMs = performance.now() - started;
  assert.deepEqual([options.categories.length, options.metrics.length, options.firstDate, options.lastDate], [20, 5, '2023-01-01', '2025-09-26']);
  started = performance.now();
  await other.figures.options();
  console.log(`# filter options after an import: ${optionsMs.toFixed(1)} ms; in another process (reloading the file): ${Math.round(performance.now() - started)} ms`);

  const ranges = [
    ['90 days', 90],
    ['one year', 365],
    ['1,000 days', 1000],
  ] as const;
  for (const [name, days] of ranges) {
    // Every call a different view, so the answer cache never helps: the cost of the SQL itself.
    const views: number[] = [];
    const pages: number[] = [];
    for (let i = 0; i < 40; i += 1) {
      const to = addDays('2025-09-26', -i);
      const filters: Filters = { from: addDays(to, -(days - 1)), to, category: i % 4 === 0 ? CATEGORIES[i % 20]! : null, metric: METRICS[i % 5]! };
      let at = performance.now();
      const view = await figures.view(filters);
      views.push(performance.now() - at);
      assert.ok(view.summary.count > 0);
      at = performance.now();
      const sort: SortColumn = (['date', 'value', 'category', 'metric'] as const)[i % 4]!;
      const page = await figures.table(filters, { page: 1 + (i % 3), pageSize: 25, sort, dir: i % 2 === 0 ? 'asc' : 'desc' });
      pages.push(performance.now() - at);
      assert.equal(page.rows.length, 25);
    }
    const v = stats(views);
    const p = stats(pages);
    console.log(`# ${name}: view median ${v.median} ms, p95 ${v.p95} ms; table median ${p.median} ms, p95 ${p.p95} ms`);
    assert.ok(v.median < 250 && p.median < 250, 'loose bounds: the machine may be busy');
  }
  const cached: number[] = [];
  const filters: Filters = { from: '2025-01-01', to: '2025-09-26', category: null, metric: 'revenue' };
  for (let i = 0; i < 20; i += 1) {
    const at = performance.now();
    await figures.view(filters);
    cached.push(performance.now() - at);
  }
  console.log(`# the same view again (remembered): median ${stats(cached).median} ms`);
});

test('the dashboard\'s queries search an index, never scan the records', async (t) => {
  const { figures, file } = openTestFigures(t);
  await figures.importRecords(hundredThousand().slice(0, 5000), { actor: 'bench', filename: 'small.csv' });
  const plans = await file.read((q) => {
    const plan = (sql: string) => q.all<{ detail: string }>(`EXPLAIN QUERY PLAN ${sql}`, Array((sql.match(/\?/g) ?? []).length).fill('x')).map((r) => r.detail).join('; ');
    return {
      series: plan('SELECT date, TOTAL(value) AS value, COUNT(*) AS n FROM records WHERE metric = ? AND date BETWEEN ? AND ? GROUP BY date'),
      seriesOne: plan('SELECT date, TOTAL(value) AS value, COUNT(*) AS n FROM records WHERE metric = ? AND category = ? AND date BETWEEN ? AND ? GROUP BY date'),
      breakdown: plan('SELECT category, TOTAL(value) AS value FROM records WHERE metric = ? AND date BETWEEN ? AND ? GROUP BY category ORDER BY value DESC, category'),
      page: plan('SELECT date FROM records WHERE metric = ? AND date BETWEEN ? AND ? ORDER BY value ASC, date DESC, category ASC, metric ASC LIMIT 25'),
      replace: plan(REPLACE_PAIR),
    };
  });
  // Schema 3: the table's key is (metric, date, category) and holds the value (a WITHOUT ROWID table).
  assert.match(plans.series, /SEARCH records USING PRIMARY KEY \(metric=\? AND date>\? AND date<\?\)/);
  assert.doesNotMatch(plans.series, /TEMP B-TREE/, 'grouped by date straight from the key order');
  assert.match(plans.seriesOne, /SEARCH records USING (PRIMARY KEY|(COVERING )?INDEX records_metric_category) \(metric=\? AND (category=\? AND date>\? AND date<\?|date>\? AND date<\?)\)/);
  assert.match(plans.breakdown, /SEARCH records USING PRIMARY KEY \(metric=\? AND date>\? AND date<\?\)/);
  assert.match(plans.page, /SEARCH records USING PRIMARY KEY \(metric=\? AND date>\? AND date<\?\)/);
  assert.match(plans.replace, /SEARCH records USING (COVERING )?INDEX records_metric_category \(metric=\? AND category=\? AND date>\? AND date<\?\)/);
  for (const plan of Object.values(plans)) assert.doesNotMatch(plan, /SCAN records/);
});
