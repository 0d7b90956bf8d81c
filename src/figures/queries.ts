/**
 * The dashboard's reads over the records table. Each aggregate runs in SQLite over the covering
 * index (metric, date, category, value) or the unique (metric, category, date) one: a view over
 * 100,000 records moves a few thousand numbers into JavaScript, never the rows themselves.
 */
import type { Query } from '../db/query.ts';
import { addDays, daysBetween } from './dates.ts';
import { buildSeries, tidy } from './series.ts';
import type { BreakdownItem, FilterOptions, Filters, FiguresView, Summary } from './types.ts';

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

export function readView(q: Query, filters: Filters, options: FilterOptions): FiguresView {
  const current = where(filters);
  const daily = q.all<{ date: string; value: number; n: number }>(
    `SELECT date, TOTAL(value) AS value, COUNT(*) AS n FROM records WHERE ${current.sql} GROUP BY date`,
    current.params,
  );
  let total = 0;
  let count = 0;
  for (const day of daily) {
    total += day.value;
    count += day.n;
  }
  const length = daysBetween(filters.from, filters.to) + 1;
  const previousRange = { from: addDays(filters.from, -length), to: addDays(filters.from, -1) };
  const before = where(filters, previousRange.from, previousRange.to);
  const previousTotal = tidy(q.get<{ total: number }>(`SELECT TOTAL(value) AS total FROM records WHERE ${before.sql}`, before.params)?.total ?? 0);
  total = tidy(total);
  const summary: Summary = {
    total,
    average: daily.length === 0 ? 0 : tidy(total / daily.length),
    count,
    previous: { ...previousRange, total: previousTotal },
    change: previousTotal === 0 ? null : tidy((total - previousTotal) / previousTotal),
  };
  const breakdown = q
    .all<{ category: string; value: number }>(
      `SELECT category, TOTAL(value) AS value FROM records WHERE ${current.sql} GROUP BY category ORDER BY value DESC, category`,
      current.params,
    )
    .map((item): BreakdownItem => ({ category: item.category, value: tidy(item.value) }));
  // Filtered to one category, the breakdown shows it even without data: one bar at zero.
  if (filters.category !== null && breakdown.length === 0) breakdown.push({ category: filters.category, value: 0 });
  return { filters, options, summary, series: buildSeries(filters.from, filters.to, daily), breakdown };
}
