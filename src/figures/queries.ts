/**
 * The dashboard's reads over the records table. Each aggregate runs in SQLite along the table's
 * key (metric, date, category), which holds the value, or the index (metric, category, date):
 * a view over 100,000 records moves a few thousand numbers into JavaScript, never the rows.
 */
import type { Query } from '../db/query.ts';
import { compare, comparedDays } from './comparison.ts';
import { bucketFor, bucketStart, buildCategoryLines, buildPrevious, buildSeries, chooseBucket, linedCategories, tidy } from './series.ts';
import type { Bucket, BreakdownItem, Coverage, FilterOptions, Filters, FiguresView, MetricFormat, Series, SeriesRequest, Summary } from './types.ts';

// Distinct values by hopping through an index (each step one seek to the next larger value)
// rather than reading every record: the menus cost a few dozen seeks, however many records.
const METRICS = `WITH RECURSIVE hop(x) AS (
  SELECT MIN(metric) FROM records
  UNION ALL SELECT (SELECT MIN(metric) FROM records WHERE metric > hop.x) FROM hop WHERE hop.x IS NOT NULL
) SELECT x FROM hop WHERE x IS NOT NULL`;
const CATEGORIES = `WITH RECURSIVE hop(x) AS (
  SELECT MIN(category) FROM records WHERE metric = ?1
  UNION ALL SELECT (SELECT MIN(category) FROM records WHERE metric = ?1 AND category > hop.x) FROM hop WHERE hop.x IS NOT NULL
) SELECT x FROM hop WHERE x IS NOT NULL`;

// Two subqueries, not MIN and MAX in one SELECT: only alone is each a single seek.
const SPAN = 'SELECT (SELECT MIN(date) FROM records WHERE metric = ?1) AS first, (SELECT MAX(date) FROM records WHERE metric = ?1) AS last';

/** Sorted as people read them (`localeCompare`), not by code point. */
export function readOptions(q: Query): FilterOptions {
  const byReading = (a: string, b: string): number => a.localeCompare(b);
  const metrics = q.all<{ x: string }>(METRICS).map((r) => r.x);
  const categories = new Set<string>();
  let firstDate: string | null = null;
  let lastDate: string | null = null;
  for (const metric of metrics) {
    for (const row of q.all<{ x: string }>(CATEGORIES, [metric])) categories.add(row.x);
    const span = q.get<{ first: string; last: string }>(SPAN, [metric]);
    if (span === undefined) continue;
    if (firstDate === null || span.first < firstDate) firstDate = span.first;
    if (lastDate === null || span.last > lastDate) lastDate = span.last;
  }
  return { categories: [...categories].sort(byReading), metrics: metrics.sort(byReading), firstDate, lastDate };
}

/** The WHERE clause of a view and its parameters: one metric, a period, maybe one category. */
export function where(filters: Filters, from = filters.from, to = filters.to): { sql: string; params: (string | number)[] } {
  if (filters.category === null) return { sql: 'metric = ? AND date BETWEEN ? AND ?', params: [filters.metric, from, to] };
  return { sql: 'metric = ? AND category = ? AND date BETWEEN ? AND ?', params: [filters.metric, filters.category, from, to] };
}

// The first and newest record of one metric, or of one category of it: seeks, never a scan.
const METRIC_SPAN = 'SELECT (SELECT MIN(date) FROM records WHERE metric = ?1) AS first, (SELECT MAX(date) FROM records WHERE metric = ?1) AS last';
const CATEGORY_SPAN =
  'SELECT (SELECT MIN(date) FROM records WHERE metric = ?1 AND category = ?2) AS first, (SELECT MAX(date) FROM records WHERE metric = ?1 AND category = ?2) AS last';

export function readCoverage(q: Query, filters: Pick<Filters, 'metric' | 'category'>): Coverage {
  const span =
    filters.category === null
      ? q.get<{ first: string | null; last: string | null }>(METRIC_SPAN, [filters.metric])
      : q.get<{ first: string | null; last: string | null }>(CATEGORY_SPAN, [filters.metric, filters.category]);
  return { first: span?.first ?? null, last: span?.last ?? null };
}

export interface ViewContext {
  readonly options: FilterOptions;
  readonly format: MetricFormat;
  /** YYYY-MM-DD (UTC). */
  readonly today: string;
  readonly request?: SeriesRequest;
}

/** SQL for the index of a record's bucket, counted from the range's first bucket (computed in SQLite, per row). */
function bucketIndexSql(bucket: Bucket, from: string): { sql: string; params: (string | number)[] } {
  const start = bucketStart(from, bucket);
  if (bucket === 'day') return { sql: 'CAST(julianday(date) - julianday(?) AS INTEGER)', params: [start] };
  if (bucket === 'week') return { sql: 'CAST((julianday(date) - julianday(?)) / 7 AS INTEGER)', params: [start] };
  const [year, month] = [Number(start.slice(0, 4)), Number(start.slice(5, 7))];
  return { sql: '(CAST(substr(date, 1, 4) AS INTEGER) - ?) * 12 + CAST(substr(date, 6, 2) AS INTEGER) - ?', params: [year, month] };
}

function categoryLines(q: Query, filters: Filters, bucket: Bucket, ranking: readonly string[], totals: readonly number[]) {
  if (ranking.length < 2) return undefined;
  const kept = linedCategories(ranking);
  const index = bucketIndexSql(bucket, filters.from);
  const cells = q.all<{ b: number; category: string; value: number }>(
    `SELECT ${index.sql} AS b, category, TOTAL(value) AS value FROM records WHERE metric = ? AND date BETWEEN ? AND ? AND category IN (${kept.map(() => '?').join(', ')}) GROUP BY b, category`,
    [...index.params, filters.metric, filters.from, filters.to, ...kept],
  );
  return buildCategoryLines(ranking, cells, totals);
}

export function readView(q: Query, filters: Filters, context: ViewContext): FiguresView {
  const { options, format, today } = context;
  // The days of the view (along the key, or the category index for one category),
  // summed in SQLite: only a few hundred rows reach JavaScript (each costs microseconds there).
  const current = where(filters);
  const mine = q.all<{ date: string; value: number; n: number }>(`SELECT date, TOTAL(value) AS value, COUNT(*) AS n FROM records WHERE ${current.sql} GROUP BY date`, current.params);
  const dailyMap = new Map<string, number>();
  let total = 0;
  let count = 0;
  for (const cell of mine) {
    dailyMap.set(cell.date, (dailyMap.get(cell.date) ?? 0) + cell.value);
    total += cell.value;
    count += cell.n;
  }
  const daily = [...dailyMap].map(([date, value]) => ({ date, value }));

  const coverage = readCoverage(q, filters);
  const days = comparedDays(filters, coverage);
  const before = where(filters, days.previousRange.from, days.previousRange.to);
  const previousDaily = q.all<{ date: string; value: number }>(`SELECT date, TOTAL(value) AS value FROM records WHERE ${before.sql} GROUP BY date`, before.params);
  const sumOver = (list: readonly { date: string; value: number }[], from: string, to: string) =>
    list.reduce((sum, d) => (d.date >= from && d.date <= to ? sum + d.value : sum), 0);
  const previousTotal = tidy(sumOver(previousDaily, days.previous.from, days.previous.to));
  const currentTotal = days.currentTo === filters.to ? total : sumOver(daily, filters.from, days.currentTo);
  const { comparison, change } = compare(days, coverage, currentTotal, previousTotal, count);
  total = tidy(total);
  const summary: Summary = {
    total,
    average: daily.length === 0 ? 0 : tidy(total / daily.length),
    count,
    previous: { ...days.previous, total: previousTotal },
    change,
    comparison,
  };

  // Every category, whichever is chosen: the chart shows the chosen one among the others.
  const everyCategory = where({ ...filters, category: null });
  const byCategory = new Map<string, number>();
  const rows = q.all<{ category: string; value: number }>(`SELECT category, TOTAL(value) AS value FROM records WHERE ${everyCategory.sql} GROUP BY category`, everyCategory.params);
  for (const row of rows) byCategory.set(row.category, row.value);
  const breakdown = [...byCategory]
    .map(([category, value]): BreakdownItem => ({ category, value: tidy(value) }))
    .sort((a, b) => b.value - a.value || (a.category < b.category ? -1 : a.category > b.category ? 1 : 0));
  // The chosen category is shown even without data in the period: a bar at zero.
  if (filters.category !== null && !byCategory.has(filters.category)) breakdown.push({ category: filters.category, value: 0 });

  const bucket = chooseBucket(filters.from, filters.to, context.request?.interval);
  const whole = { coverage, today };
  const built = buildSeries(filters.from, filters.to, daily, bucket, whole);
  const previous = buildPrevious(days.previousRange.from, days.previousRange.to, previousDaily, bucket, built.points.length, whole);
  const lines = filters.category === null && context.request?.byCategory === true ? categoryLines(q, filters, bucket, breakdown.map((b) => b.category), built.points.map((p) => p.value)) : undefined;
  const series: Series = { ...built, auto: bucketFor(filters.from, filters.to), previous, ...(lines === undefined ? {} : { byCategory: lines }) };
  return { filters, options, summary, series, breakdown, coverage, format, today };
}
