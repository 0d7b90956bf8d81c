/** Chart series: daily totals gathered into buckets, every bucket of the range present (zero when empty), so a chart has no gaps. */
import { addDays, addMonths, daysBetween, startOfMonth, startOfWeek } from './dates.ts';
import type { Bucket, Series, SeriesPoint } from './types.ts';

/** Days up to about a quarter, weeks up to two years, then months: a chart of at most ~120 points. */
export function bucketFor(from: string, to: string): Bucket {
  const days = daysBetween(from, to) + 1;
  return days <= 92 ? 'day' : days <= 731 ? 'week' : 'month';
}

export function bucketStart(date: string, bucket: Bucket): string {
  return bucket === 'day' ? date : bucket === 'week' ? startOfWeek(date) : startOfMonth(date);
}

function nextBucket(start: string, bucket: Bucket): string {
  return bucket === 'day' ? addDays(start, 1) : bucket === 'week' ? addDays(start, 7) : addMonths(start, 1);
}

/** Sums rounded to 15 significant digits: 0.1 + 0.2 is shown as 0.3, not 0.30000000000000004. */
export function tidy(value: number): number {
  const rounded = Number(value.toPrecision(15));
  return rounded === 0 ? 0 : rounded;
}

/** `daily`: totals per day (any order, days outside the range ignored). Each point is dated by its bucket's first day. */
export function buildSeries(from: string, to: string, daily: readonly { date: string; value: number }[]): Series {
  const bucket = bucketFor(from, to);
  const sums = new Map<string, number>();
  for (let start = bucketStart(from, bucket); start <= to; start = nextBucket(start, bucket)) sums.set(start, 0);
  for (const day of daily) {
    if (day.date < from || day.date > to) continue;
    const key = bucketStart(day.date, bucket);
    sums.set(key, (sums.get(key) ?? 0) + day.value);
  }
  const points: SeriesPoint[] = [...sums].map(([date, value]) => ({ date, value: tidy(value) }));
  return { bucket, points };
}
