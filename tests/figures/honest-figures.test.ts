/** Issue 17: comparisons only over covered days, partial buckets, intervals, lines per category, metric formats, the CSV export. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compare, comparedDays } from '../../src/figures/comparison.ts';
import { csvText, recordsCsv } from '../../src/figures/export-csv.ts';
import { buildSeries, chooseBucket, partialOf } from '../../src/figures/series.ts';
import { attachment, viewFileName } from '../../src/dashboard/file-name.ts';
import { changeText, formatValue } from '../../src/charts/summary-text.ts';
import { daily, openTestFigures, record } from './fixture.ts';

const ACTOR = { actor: 'alice', filename: 'f.csv' };

test('comparedDays: the same length before; cut to the same days when the data ends inside the range', () => {
  const whole = comparedDays({ from: '2026-03-01', to: '2026-03-31' }, { first: '2025-01-01', last: '2026-04-02' });
  assert.deepEqual(whole, { currentTo: '2026-03-31', previous: { from: '2026-01-29', to: '2026-02-28' }, previousRange: { from: '2026-01-29', to: '2026-02-28' } });
  const cut = comparedDays({ from: '2026-03-01', to: '2026-03-31' }, { first: '2025-01-01', last: '2026-03-10' });
  assert.deepEqual(cut.currentTo, '2026-03-10');
  assert.deepEqual(cut.previous, { from: '2026-01-29', to: '2026-02-07' }, 'ten days against ten days');
  assert.deepEqual(cut.previousRange, { from: '2026-01-29', to: '2026-02-28' });
});

test('compare: a ratio only when the previous period is covered by data and not zero', () => {
  const days = comparedDays({ from: '2026-01-01', to: '2026-12-31' }, { first: '2026-03-04', last: '2026-12-31' });
  assert.deepEqual(compare(days, { first: '2026-03-04', last: '2026-12-31' }, 1000, 64, 300), {
    comparison: { status: 'before-data', currentTo: '2026-12-31', currentTotal: 1000 },
    change: null,
  });
  assert.equal(compare(days, { first: '2020-01-01', last: '2026-12-31' }, 1000, 500, 300).change, 1);
  assert.equal(compare(days, { first: '2020-01-01', last: '2026-12-31' }, 1000, 0, 300).comparison.status, 'zero');
  assert.equal(compare(days, { first: '2020-01-01', last: '2026-12-31' }, 0, 10, 0).comparison.status, 'no-data');
});

test('"This year" with data from March: no +1,452.5 %, but "no comparison: figures start on …"', async (t) => {
  const { figures } = openTestFigures(t);
  await figures.importRecords(daily('2025-03-04', 300, ['서울 지점'], ['revenue'], () => 10.5), ACTOR);
  const view = await figures.view({ from: '2025-01-01', to: '2025-12-31', category: '서울 지점', metric: 'revenue' });
  assert.equal(view.summary.change, null);
  assert.equal(view.summary.comparison.status, 'before-data');
  assert.deepEqual(view.coverage, { first: '2025-03-04', last: '2025-12-28' });
  const words = changeText(view);
  assert.deepEqual([words.value, words.note], ['–', 'no comparison: figures start on 2025-03-04']);
  // Figures end on 28 December: the last three days of the range are not counted as zero days.
  assert.equal(view.summary.comparison.currentTo, '2025-12-28');
  assert.deepEqual(view.format, { metric: 'revenue', unit: '', decimals: 1, set: false }, 'tenths are enough for 10.5');
});

test('partial buckets: cut by the range, by the data, or holding today; whole ones carry nothing', () => {
  assert.equal(partialOf('2026-03-02', 'week', '2026-03-01', '2026-03-31', {}), undefined);
  assert.deepEqual(partialOf('2026-02-23', 'week', '2026-03-01', '2026-03-31', {}), { from: '2026-03-01', to: '2026-03-01', days: 1, of: 7 }, 'a one-day first week');
  assert.deepEqual(partialOf('2026-03-09', 'week', '2026-03-01', '2026-03-31', { today: '2026-03-11' }), { from: '2026-03-09', to: '2026-03-15', days: 7, of: 7, today: true });
  assert.deepEqual(partialOf('2026-03-01', 'month', '2026-01-01', '2026-12-31', { coverage: { first: '2026-03-10', last: '2026-12-31' } }), {
    from: '2026-03-10',
    to: '2026-03-31',
    days: 22,
    of: 31,
  });
  assert.equal(partialOf('2026-01-01', 'month', '2026-01-01', '2026-12-31', { coverage: { first: '2026-03-10', last: '2026-12-31' } })?.days, 0, 'before the data: a gap');
  const series = buildSeries('2026-01-01', '2026-01-31', [{ date: '2026-01-01', value: 5 }], 'week');
  assert.deepEqual(series.points[0], { date: '2025-12-29', value: 5, partial: { from: '2026-01-01', to: '2026-01-04', days: 4, of: 7 } }, 'the week of 2026-W01 cut by New Year');
});

test('intervals: asked for, unless that gives more than 400 buckets', () => {
  assert.equal(chooseBucket('2026-01-01', '2026-12-31', undefined), 'week');
  assert.equal(chooseBucket('2026-01-01', '2026-12-31', 'day'), 'day');
  assert.equal(chooseBucket('2026-01-01', '2026-12-31', 'month'), 'month');
  assert.equal(chooseBucket('2020-01-01', '2026-12-31', 'day'), 'week', 'seven years of days is made coarser');
});

test('view: the interval, the previous period line, and a line per category ("Other" beyond five)', async (t) => {
  const { figures } = openTestFigures(t);
  const categories = ['a', 'b', 'c', 'd', 'e', 'f'];
  await figures.importRecords(daily('2025-01-01', 60, categories, ['m'], (d, c) => c + 1), ACTOR);
  assert.equal((await figures.view({ from: '2025-02-01', to: '2025-02-28', category: null, metric: 'm' }, { interval: 'week' })).series.byCategory, undefined, 'lines per category only when asked for');
  const view = await figures.view({ from: '2025-02-01', to: '2025-02-28', category: null, metric: 'm' }, { interval: 'week', byCategory: true });
  assert.equal(view.series.bucket, 'week');
  assert.equal(view.series.auto, 'day');
  assert.equal(view.series.points.length, 5);
  assert.deepEqual(view.series.points.map((p) => p.value), [21 * 2, 21 * 7, 21 * 7, 21 * 7, 21 * 5]);
  assert.equal(view.series.previous?.length, 5);
  assert.equal(view.series.previous?.[0]?.value, 21 * 2, 'the previous period is 4–31 January: its first week holds 4–5 January');
  const lines = view.series.byCategory!;
  assert.deepEqual(lines.map((l) => [l.category, l.folded]), [['f', 0], ['e', 0], ['d', 0], ['c', 0], ['Other (2 categories)', 2]]);
  assert.deepEqual(lines[0]!.values, [12, 42, 42, 42, 30]);
  assert.deepEqual(lines[4]!.values, [6, 21, 21, 21, 15], 'a and b together');
  const one = await figures.view({ from: '2025-02-01', to: '2025-02-28', category: 'a', metric: 'm' }, { byCategory: true });
  assert.equal(one.series.byCategory, undefined, 'one category chosen: one line');
  assert.equal(one.breakdown.length, 6, 'the breakdown still shows every category');
  // Previous period before the first record: no line there (null), not zeros.
  const early = await figures.view({ from: '2025-01-01', to: '2025-01-31', category: null, metric: 'm' });
  assert.ok(early.series.previous?.every((p) => p === null));
});

test('metric formats: from the data by default, set by an admin, reset; every value then prints alike', async (t) => {
  const { figures } = openTestFigures(t);
  await figures.importRecords([record('2025-01-01', 'a', 'revenue', 5911997.2), record('2025-01-02', 'a', 'revenue', 13059.82), record('2025-01-01', 'a', 'visitors', 20808)], ACTOR);
  assert.deepEqual(await figures.metricFormats(), [
    { metric: 'revenue', unit: '', decimals: 2, set: false },
    { metric: 'visitors', unit: '', decimals: 0, set: false },
  ]);
  const set = await figures.setMetricFormat('revenue', 'EUR', null);
  assert.deepEqual(set, { metric: 'revenue', unit: 'EUR', decimals: 2, set: true });
  const view = await figures.view({ from: '2025-01-01', to: '2025-01-02', category: null, metric: 'revenue' });
  assert.deepEqual(view.format, set, 'a new version of the file: the view sees the change');
  assert.deepEqual([5911997.2, 13059.82].map((v) => formatValue(v, view.format)), ['5,911,997.20 EUR', '13,059.82 EUR']);
  assert.equal((await figures.setMetricFormat('visitors', '', 1)).decimals, 1);
  assert.deepEqual(await figures.setMetricFormat('revenue', null, null), { metric: 'revenue', unit: '', decimals: 2, set: false });
});

test('CSV export: formula-looking text comes out inert; numbers stay numbers; quotes and line breaks stay in their cell', () => {
  for (const danger of ['=HYPERLINK("http://evil","x")', '+1+1', '-2+3', '@SUM(A1)', '\tx', '\rx']) {
    assert.ok(csvText(danger).startsWith(`"'`), `${JSON.stringify(danger)} is defused`);
  }
  assert.equal(csvText('plain, "quoted"'), '"plain, ""quoted"""');
  const csv = recordsCsv([{ date: '2025-01-01', category: '=1+1', metric: 'revenue', value: -12.5, note: 'two\nlines' }], { unit: 'EUR' });
  assert.equal(csv, '\ufeff"date","category","metric","value (EUR)","note"\r\n"2025-01-01","\'=1+1","revenue",-12.5,"two\nlines"\r\n');
});

test('file names from the filters, in both Content-Disposition spellings', () => {
  const name = viewFileName({ from: '2026-01-01', to: '2026-03-31', category: '서울 지점', metric: 'revenue' }, 'pdf');
  assert.equal(name, 'revenue_서울-지점_2026-01-01_2026-03-31.pdf');
  assert.equal(viewFileName({ from: '2026-01-01', to: '2026-01-31', category: null, metric: '../a b"c' }, 'csv'), 'a-b-c_all_2026-01-01_2026-01-31.csv');
  assert.equal(attachment(name), `attachment; filename="revenue_2026-01-01_2026-03-31.pdf"; filename*=UTF-8''revenue_%EC%84%9C%EC%9A%B8-%EC%A7%80%EC%A0%90_2026-01-01_2026-03-31.pdf`);
});
