/**
 * Chart series: daily totals gathered into buckets, every bucket of the range present, so a chart
 * has no hidden holes. A bucket that is not whole (cut by the range or by the data, or holding
 * today) says so (`partial`), so that a one-day first week is never drawn or read as a full week.
 */
import { addDays, addMonths, daysBetween, startOfMonth, startOfWeek } from './dates.ts';
import type { Bucket, CategoryLine, Coverage, PartialBucket, PreviousPoint, Series, SeriesPoint } from './types.ts';

/** Days up to about a quarter, weeks up to two years, then months: a chart of at most ~120 points. */
export function bucketFor(from: string, to: string): Bucket {
  const days = daysBetween(from, to) + 1;
  return days <= 92 ? 'day' : days <= 731 ? 'week' : 'month';
}

/** Beyond this many buckets a chart is a smear: an interval asked for that would give more is made coarser. */
export const MAX_BUCKETS = 400;
const COARSER: Readonly<Record<Bucket, Bucket>> = { day: 'week', week: 'month', month: 'month' };

/** The interval asked for, made coarser while it would give more than MAX_BUCKETS. */
export function chooseBucket(from: string, to: string, asked: Bucket | undefined): Bucket {
  let bucket = asked ?? bucketFor(from, to);
  while (bucket !== 'month' && bucketCount(from, to, bucket) > MAX_BUCKETS) bucket = COARSER[bucket];
  return bucket;
}

function bucketCount(from: string, to: string, bucket: Bucket): number {
  const days = daysBetween(from, to) + 1;
  return bucket === 'day' ? days : bucket === 'week' ? Math.ceil(days / 7) + 1 : Math.ceil(days / 28) + 1;
}

export function bucketStart(date: string, bucket: Bucket): string {
  return bucket === 'day' ? date : bucket === 'week' ? startOfWeek(date) : startOfMonth(date);
}

export function nextBucket(start: string, bucket: Bucket): string {
  return bucket === 'day' ? addDays(start, 1) : bucket === 'week' ? addDays(start, 7) : addMonths(start, 1);
}

/** Sums rounded to 15 significant digits: 0.1 + 0.2 is shown as 0.3, not 0.30000000000000004. */
export function tidy(value: number): number {
  const rounded = Number(value.toPrecision(15));
  return rounded === 0 ? 0 : rounded;
}

/** What makes a bucket whole: the days with data that the range covers, and today. */
export interface Wholeness {
  readonly coverage?: Coverage;
  readonly today?: string;
}

const later = (a: string, b: string) => (a > b ? a : b);
const earlier = (a: string, b: string) => (a < b ? a : b);

/** The bucket starting on `start` is whole when every one of its days is in the range and the data, and today is not among them. */
export function partialOf(start: string, bucket: Bucket, from: string, to: string, whole: Wholeness): PartialBucket | undefined {
  const end = addDays(nextBucket(start, bucket), -1);
  const of = daysBetween(start, end) + 1;
  let first = later(start, from);
  let last = earlier(end, to);
  if (whole.coverage !== undefined) {
    if (whole.coverage.first === null || whole.coverage.last === null) return { from: first, to: first, days: 0, of };
    first = later(first, whole.coverage.first);
    last = earlier(last, whole.coverage.last);
  }
  const today = whole.today !== undefined && start <= whole.today && whole.today <= end;
  const days = last < first ? 0 : daysBetween(first, last) + 1;
  if (days === of && !today) return undefined;
  return days === 0 ? { from: first, to: first, days, of } : { from: first, to: last, days, of, ...(today ? { today: true as const } : {}) };
}

function bucketStarts(from: string, to: string, bucket: Bucket): string[] {
  const starts: string[] = [];
  for (let start = bucketStart(from, bucket); start <= to; start = nextBucket(start, bucket)) starts.push(start);
  return starts;
}

function sumInto(starts: readonly string[], bucket: Bucket, from: string, to: string, daily: readonly { date: string; value: number }[]): number[] {
  const index = new Map(starts.map((start, i) => [start, i]));
  const sums = starts.map(() => 0);
  for (const day of daily) {
    if (day.date < from || day.date > to) continue;
    const i = index.get(bucketStart(day.date, bucket));
    if (i !== undefined) sums[i]! += day.value;
  }
  return sums.map(tidy);
}

/**
 * `daily`: totals per day (any order, days outside the range ignored). Each point is dated by its
 * bucket's first day. `bucket`: the interval (chosen from the range's length when omitted).
 */
export function buildSeries(from: string, to: string, daily: readonly { date: string; value: number }[], bucket = bucketFor(from, to), whole: Wholeness = {}): Series {
  const starts = bucketStarts(from, to, bucket);
  const sums = sumInto(starts, bucket, from, to, daily);
  const points = starts.map((date, i): SeriesPoint => {
    const partial = partialOf(date, bucket, from, to, whole);
    return partial === undefined ? { date, value: sums[i]! } : { date, value: sums[i]!, partial };
  });
  return { bucket, points };
}

/**
 * The previous period's buckets (its own calendar: `prevFrom` … `prevTo`), lined up with the
 * current ones by position; null where the previous period has no data at all.
 */
export function buildPrevious(prevFrom: string, prevTo: string, daily: readonly { date: string; value: number }[], bucket: Bucket, count: number, whole: Wholeness): PreviousPoint[] {
  const series = buildSeries(prevFrom, prevTo, daily, bucket, whole);
  const points: PreviousPoint[] = series.points.slice(0, count).map((p) => (p.partial?.days === 0 ? null : p));
  while (points.length < count) points.push(null);
  return points;
}

/** Lines for at most this many categories; beyond it, the smallest are summed into "Other". */
export const MAX_LINES = 5;

/**
 * The lines per category, from SQL's sums per (bucket index, category) for the largest few
 * (`cells`) and the totals per bucket (`totals`, the series' values): "Other" is the difference,
 * so no row of the smaller categories ever leaves SQLite. Undefined for fewer than two categories.
 */
export function buildCategoryLines(ranking: readonly string[], cells: readonly { b: number; category: string; value: number }[], totals: readonly number[]): CategoryLine[] | undefined {
  if (ranking.length < 2) return undefined;
  const kept = linedCategories(ranking);
  const slot = new Map(kept.map((category, i) => [category, i]));
  const values = kept.map(() => totals.map(() => 0));
  for (const cell of cells) {
    const line = slot.get(cell.category);
    if (line !== undefined && cell.b >= 0 && cell.b < totals.length) values[line]![cell.b]! += cell.value;
  }
  const lines = kept.map((category, i): CategoryLine => ({ category, folded: 0, values: values[i]!.map(tidy) }));
  const other = ranking.length - kept.length;
  if (other > 0) lines.push({ category: `Other (${other} categories)`, folded: other, values: totals.map((total, b) => tidy(total - values.reduce((sum, line) => sum + line[b]!, 0))) });
  return lines;
}

/** The categories that get a line of their own: all when they are few, else the largest MAX_LINES - 1 (beside "Other"). */
export function linedCategories(ranking: readonly string[]): readonly string[] {
  return ranking.length <= MAX_LINES ? ranking : ranking.slice(0, MAX_LINES - 1);
}
