/** The figures database: imports (replacing a period, all or nothing), views, pages, and two processes on one DATA_DIR. */
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { bucketFor, buildSeries } from '../../src/figures/series.ts';
import type { Filters } from '../../src/figures/types.ts';
import { daily, openTestFigures, record } from './fixture.ts';

const ACTOR = { actor: 'alice', filename: 'figures.csv' };

test('an empty database: no options, a zero view with every bucket, an empty page; sql.js loads only on use', async (t) => {
  const { figures, health, loads, dataDir } = openTestFigures(t);
  await health.check();
  assert.equal(loads(), 0, 'the health check must not load sql.js');
  assert.deepEqual(await figures.options(), { categories: [], metrics: [], firstDate: null, lastDate: null });
  assert.equal(loads(), 1);
  const view = await figures.view({ from: '2025-01-01', to: '2025-01-07', category: null, metric: '' });
  assert.deepEqual(view.summary, {
    total: 0,
    average: 0,
    count: 0,
    previous: { from: '2024-12-25', to: '2024-12-31', total: 0 },
    change: null,
    comparison: { status: 'no-data', currentTo: '2025-01-07', currentTotal: 0 },
  });
  assert.deepEqual(view.coverage, { first: null, last: null });
  assert.deepEqual(view.series.points.map((p) => p.value), [0, 0, 0, 0, 0, 0, 0]);
  assert.ok(view.series.points.every((p) => p.partial?.days === 0), 'no data at all: gaps, not zeros');
  assert.deepEqual(view.breakdown, []);
  const page = await figures.table({ from: '2025-01-01', to: '2025-01-07', category: null, metric: '' }, { page: 1, pageSize: 25, sort: 'date', dir: 'desc' });
  assert.deepEqual(page, { page: 1, pageSize: 25, sort: 'date', dir: 'desc', rows: [], total: 0 });
  assert.equal(await figures.count(), 0);
  assert.deepEqual(await figures.listImports(), []);
  assert.ok(existsSync(path.join(dataDir, 'figures.sqlite')), 'its own file');
  assert.ok(!existsSync(path.join(dataDir, 'dashboard.sqlite')), 'never the auth database');
});

test('import: options sorted as people read them, the history newest first', async (t) => {
  const { figures, clock } = openTestFigures(t);
  const first = await figures.importRecords(
    [record('2025-01-02', '온라인', 'visitors', 3), record('2025-01-01', 'Head office', 'revenue', 1.5, 'opening'), record('2025-01-03', '부산 지점', 'visitors', 2)],
    ACTOR,
  );
  assert.deepEqual(first, { id: 1, at: clock.now, actor: 'alice', filename: 'figures.csv', rows: 3, replaced: 0, from: '2025-01-01', to: '2025-01-03' });
  clock.now += 60;
  await figures.importRecords([record('2024-12-31', 'a', 'members', 1)], { actor: 'bob', filename: 'more.csv' });
  const options = await figures.options();
  assert.deepEqual(options.categories, ['a', 'Head office', '부산 지점', '온라인']);
  assert.deepEqual(options.metrics, ['members', 'revenue', 'visitors']);
  assert.equal(options.firstDate, '2024-12-31');
  assert.equal(options.lastDate, '2025-01-03');
  assert.deepEqual((await figures.listImports()).map((i) => [i.id, i.actor, i.at]), [[2, 'bob', clock.now], [1, 'alice', clock.now - 60]]);
  assert.equal((await figures.listImports(1)).length, 1);
  assert.equal(await figures.count(), 4);
  const rows = await figures.rows({ from: '2025-01-01', to: '2025-01-31', category: null, metric: 'revenue' });
  assert.deepEqual(rows, [{ date: '2025-01-01', category: 'Head office', metric: 'revenue', value: 1.5, note: 'opening' }]);
});

test('re-importing a period replaces it, only for the pairs in the file, without doubling', async (t) => {
  const { figures } = openTestFigures(t);
  await figures.importRecords(daily('2025-01-01', 31, ['a', 'b'], ['m1', 'm2'], () => 1), ACTOR);
  assert.equal(await figures.count(), 124);
  const again = [...daily('2025-01-10', 11, ['a'], ['m1'], () => 2), record('2025-01-15', 'c', 'm1', 100)];
  const summary = await figures.importRecords(again, ACTOR);
  assert.equal(summary.replaced, 11, 'a/m1 on 10–20 January only');
  assert.deepEqual([summary.from, summary.to, summary.rows], ['2025-01-10', '2025-01-20', 12]);
  assert.equal(await figures.count(), 125);
  const total = async (category: string, metric: string): Promise<number> =>
    (await figures.view({ from: '2025-01-01', to: '2025-01-31', category, metric })).summary.total;
  assert.equal(await total('a', 'm1'), 20 + 22);
  assert.equal(await total('a', 'm2'), 31, 'another metric of the same category is untouched');
  assert.equal(await total('b', 'm1'), 31, 'another category of the same metric is untouched');
  assert.equal(await total('c', 'm1'), 100);
  // The same file again: the same records, nothing doubled.
  assert.equal((await figures.importRecords(again, ACTOR)).replaced, 12);
  assert.equal(await figures.count(), 125);
  // The period is the file's first to last day: days the file skips inside it are gone afterwards.
  const gappy = await figures.importRecords([record('2025-01-10', 'a', 'm1', 5), record('2025-01-20', 'a', 'm1', 5)], ACTOR);
  assert.equal(gappy.replaced, 11);
  assert.equal(await total('a', 'm1'), 20 + 10);
});

test('an import is all or nothing: a failing record leaves the data and the history as they were', async (t) => {
  const { figures } = openTestFigures(t);
  await figures.importRecords(daily('2025-01-01', 10, ['a'], ['m'], () => 1), ACTOR);
  const before = await figures.view({ from: '2025-01-01', to: '2025-01-10', category: null, metric: 'm' });
  // The duplicate is the last row: the deletion and the first inserts ran before it failed.
  const bad = [...daily('2025-01-01', 10, ['a'], ['m'], () => 9), record('2025-01-05', 'a', 'm', 9)];
  await assert.rejects(figures.importRecords(bad, ACTOR), /UNIQUE/);
  await assert.rejects(figures.importRecords([record('2025-01-03', 'a', 'm', Number.NaN)], ACTOR));
  await assert.rejects(figures.importRecords([], ACTOR), /no records/);
  assert.equal(await figures.count(), 10);
  assert.equal((await figures.listImports()).length, 1);
  assert.deepEqual(await figures.view({ from: '2025-01-01', to: '2025-01-10', category: null, metric: 'm' }), before);
});

test('summary: total, average per day with data, count, the previous period and the change', async (t) => {
  const { figures } = openTestFigures(t);
  await figures.importRecords(
    [
      ...daily('2025-03-01', 10, ['a'], ['sales'], () => 10).filter((r) => r.date !== '2025-03-05'),
      record('2025-03-01', 'b', 'sales', 5),
      record('2025-03-02', 'b', 'sales', 5),
      record('2025-03-03', 'a', 'other', 1000), // another metric
      record('2025-02-28', 'a', 'sales', 40), // previous period: 19–28 February
      record('2025-02-19', 'b', 'sales', 10),
      record('2025-02-18', 'a', 'sales', 1000), // before it
      record('2025-03-11', 'a', 'sales', 1000), // after the period
    ],
    ACTOR,
  );
  const view = (f: Partial<Filters>) => figures.view({ from: '2025-03-01', to: '2025-03-10', category: null, metric: 'sales', ...f });
  const all = await view({});
  assert.equal(all.summary.total, 100);
  assert.equal(all.summary.count, 11);
  assert.equal(all.summary.average, Number((100 / 9).toPrecision(15)), 'nine days have data');
  assert.deepEqual(all.summary.previous, { from: '2025-02-19', to: '2025-02-28', total: 50 });
  assert.equal(all.summary.change, 1);
  assert.equal(all.summary.comparison.status, 'compared');
  assert.deepEqual(all.breakdown, [{ category: 'a', value: 90 }, { category: 'b', value: 10 }]);
  assert.equal(all.series.bucket, 'day');
  assert.deepEqual(all.series.points.map((p) => p.value), [15, 15, 10, 10, 0, 10, 10, 10, 10, 10]);
  assert.equal(all.series.points[4]!.date, '2025-03-05');
  assert.deepEqual(all.options.metrics, ['other', 'sales']);

  const a = await view({ category: 'a' });
  assert.deepEqual([a.summary.total, a.summary.count, a.summary.previous.total, a.summary.change], [90, 9, 40, 1.25]);
  assert.deepEqual(a.breakdown, [{ category: 'a', value: 90 }, { category: 'b', value: 10 }], 'every category, the chosen one among them');
  const b = await view({ category: 'b' });
  assert.deepEqual([b.summary.total, b.summary.average, b.summary.change], [10, 5, 0]);
  const quiet = await view({ from: '2025-02-01', to: '2025-02-10' });
  assert.equal(quiet.summary.change, null, 'no previous total: no ratio');
  assert.equal(quiet.summary.comparison.status, 'no-data');
  // 19 February – 10 March: the previous 20 days start on 30 January, before the first record (18 February).
  const early = await view({ from: '2025-02-19' });
  assert.deepEqual([early.summary.change, early.summary.comparison.status, early.coverage.first], [null, 'before-data', '2025-02-18']);
  assert.equal(early.summary.previous.total, 1000, 'the total is still there, only not compared');
  assert.deepEqual((await view({ from: '2025-02-01', to: '2025-02-10', category: 'b' })).breakdown, [{ category: 'b', value: 0 }]);
  // Decimal values add up as decimals.
  await figures.importRecords([record('2025-04-01', 'a', 'cents', 0.1), record('2025-04-01', 'b', 'cents', 0.2)], ACTOR);
  assert.equal((await view({ from: '2025-04-01', to: '2025-04-01', metric: 'cents' })).summary.total, 0.3);
});

test('series buckets: days up to 92, ISO weeks from Monday up to 731, then months; every bucket present', async (t) => {
  assert.deepEqual([bucketFor('2025-01-01', '2025-04-02'), bucketFor('2025-01-01', '2025-04-03')], ['day', 'week'], '92 days, 93 days');
  assert.deepEqual([bucketFor('2024-01-01', '2025-12-31'), bucketFor('2024-01-01', '2026-01-01')], ['week', 'month'], '731 days, 732 days');
  const { figures } = openTestFigures(t);
  await figures.importRecords(
    [
      record('2024-12-30', 'a', 'm', 1000), // the Monday of the first week, but before the period
      record('2025-01-01', 'a', 'm', 10), // Wednesday
      record('2025-01-05', 'b', 'm', 5), // Sunday: same week
      record('2025-01-06', 'a', 'm', 7), // Monday: next week
      record('2025-04-30', 'a', 'm', 1),
      record('2023-01-20', 'a', 'm', 3),
      record('2023-01-31', 'b', 'm', 4),
      record('2024-02-29', 'a', 'm', 5),
    ],
    ACTOR,
  );
  const weeks = (await figures.view({ from: '2025-01-01', to: '2025-04-30', category: null, metric: 'm' })).series;
  assert.equal(weeks.bucket, 'week');
  assert.equal(weeks.points.length, 18);
  assert.deepEqual(weeks.points.slice(0, 3), [
    { date: '2024-12-30', value: 15, partial: { from: '2025-01-01', to: '2025-01-05', days: 5, of: 7 } },
    { date: '2025-01-06', value: 7 },
    { date: '2025-01-13', value: 0 },
  ]);
  assert.deepEqual(weeks.points.at(-1), { date: '2025-04-28', value: 1, partial: { from: '2025-04-28', to: '2025-04-30', days: 3, of: 7 } });
  for (let i = 1; i < weeks.points.length; i += 1) assert.equal(new Date(weeks.points[i]!.date).getUTCDay(), 1, 'Mondays');
  const months = (await figures.view({ from: '2023-01-15', to: '2025-02-10', category: null, metric: 'm' })).series;
  assert.equal(months.bucket, 'month');
  assert.equal(months.points.length, 26);
  assert.deepEqual(months.points[0], { date: '2023-01-01', value: 7, partial: { from: '2023-01-20', to: '2023-01-31', days: 12, of: 31 } }, 'cut by the range and by the first record');
  assert.deepEqual(months.points[1], { date: '2023-02-01', value: 0 });
  assert.deepEqual(months.points.find((p) => p.date === '2024-02-01'), { date: '2024-02-01', value: 5 });
  assert.deepEqual(months.points.at(-1), { date: '2025-02-01', value: 0, partial: { from: '2025-02-01', to: '2025-02-10', days: 10, of: 28 } });
  assert.equal(months.points.reduce((sum, p) => sum + p.value, 0), 3 + 4 + 5 + 1000 + 10 + 5 + 7, "to 10 February: the April record is outside");
  // Pure: a single day, and days outside the range ignored.
  assert.deepEqual(buildSeries('2025-01-01', '2025-01-01', [{ date: '2024-12-31', value: 9 }]), { bucket: 'day', points: [{ date: '2025-01-01', value: 0 }] });
});

test('table: sorted by the chosen column, then date desc and category; pages; a page beyond the end is the last one', async (t) => {
  const { figures } = openTestFigures(t);
  await figures.importRecords(daily('2025-05-01', 5, ['x', 'y', 'z'], ['m', 'other'], (d, c) => (d * 3 + c) % 4), ACTOR);
  const filters: Filters = { from: '2025-05-01', to: '2025-05-05', category: null, metric: 'm' };
  const key = (r: { date: string; category: string }) => `${r.date.slice(8)}${r.category}`;
  const page = (request: Partial<Parameters<typeof figures.table>[1]>) => figures.table(filters, { page: 1, pageSize: 4, sort: 'date', dir: 'desc', ...request });
  const first = await page({});
  assert.equal(first.total, 15);
  assert.deepEqual(first.rows.map(key), ['05x', '05y', '05z', '04x']);
  assert.deepEqual((await page({ page: 4 })).rows.map(key), ['01x', '01y', '01z']);
  const past = await page({ page: 9999 });
  assert.equal(past.page, 4, 'clamped to the last page, and the answer says which');
  assert.deepEqual(past.rows.map(key), ['01x', '01y', '01z']);
  assert.deepEqual(await figures.table({ ...filters, category: 'nothing' }, { page: 3, pageSize: 4, sort: 'date', dir: 'desc' }), { page: 1, pageSize: 4, sort: 'date', dir: 'desc', rows: [], total: 0 });
  assert.deepEqual((await page({ dir: 'asc' })).rows.map(key), ['01x', '01y', '01z', '02x']);
  assert.deepEqual((await page({ sort: 'category', dir: 'desc', pageSize: 3 })).rows.map(key), ['05z', '04z', '03z']);
  // Value ascending: ties in date desc, then category order; pages join up without gaps or repeats.
  const all = [];
  for (let p = 1; p <= 4; p += 1) all.push(...(await page({ sort: 'value', dir: 'asc', page: p })).rows);
  assert.equal(new Set(all.map(key)).size, 15);
  for (let i = 1; i < all.length; i += 1) {
    const [a, b] = [all[i - 1]!, all[i]!];
    assert.ok(a.value < b.value || (a.value === b.value && (a.date > b.date || (a.date === b.date && a.category < b.category))), `${key(a)} before ${key(b)}`);
  }
  assert.deepEqual((await figures.table({ ...filters, category: 'y' }, { page: 1, pageSize: 200, sort: 'date', dir: 'desc' })).total, 5);
  const report = await figures.rows(filters, 4);
  assert.deepEqual(report.map(key), ['01x', '01y', '01z', '02x']);
  assert.equal((await figures.rows(filters)).length, 15);
});

test('two processes on one DATA_DIR see each other\'s imports on their next read, cached views included', async (t) => {
  const one = openTestFigures(t);
  const two = openTestFigures(t, one.dataDir);
  const filters: Filters = { from: '2025-01-01', to: '2025-01-31', category: null, metric: 'm' };
  assert.equal((await two.figures.view(filters)).summary.total, 0);
  await one.figures.importRecords(daily('2025-01-01', 31, ['a', 'b'], ['m'], () => 1), ACTOR);
  assert.equal((await two.figures.view(filters)).summary.total, 62);
  assert.deepEqual((await two.figures.options()).categories, ['a', 'b']);
  await two.figures.importRecords(daily('2025-01-01', 31, ['a'], ['m'], () => 3), { actor: 'bob', filename: 'b.csv' });
  assert.equal((await one.figures.view(filters)).summary.total, 31 * 3 + 31, 'the first process drops its remembered answer');
  assert.equal((await one.figures.view(filters)).summary.total, 124, 'and its own import too');
  await one.figures.importRecords([record('2025-01-02', 'c', 'm', 1)], ACTOR);
  assert.equal((await one.figures.view(filters)).summary.total, 125);
  assert.deepEqual((await two.figures.listImports()).map((i) => i.id), [3, 2, 1]);
});

test('a damaged figures file is reported by the health check, and the auth database is not involved', async (t) => {
  const { figures, health, dataDir } = openTestFigures(t);
  writeFileSync(path.join(dataDir, 'figures.sqlite'), 'this is not a database, it is a text file of some length'.repeat(100));
  await assert.rejects(figures.count(), /damaged/);
  await assert.rejects(health.check(), /damaged/);
});
