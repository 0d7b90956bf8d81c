/**
 * The change against the previous period, made honest: the previous period only counts when the
 * data covers it (a "This year" whose previous year lies mostly before the first record would
 * otherwise show +1,452.5 %), and when the data ends inside the current period, both periods are
 * cut to the same number of days. Pure: dates in, ranges and a verdict out.
 */
import { addDays, daysBetween } from './dates.ts';
import { tidy } from './series.ts';
import type { Comparison, Coverage, Filters } from './types.ts';

export interface ComparedDays {
  /** The current period's days that take part: `from` … `currentTo`. */
  readonly currentTo: string;
  /** The previous period's days set against them. */
  readonly previous: { readonly from: string; readonly to: string };
  /** The previous period of the same length as the whole range (for the previous-period line). */
  readonly previousRange: { readonly from: string; readonly to: string };
}

export function comparedDays(filters: Pick<Filters, 'from' | 'to'>, coverage: Coverage): ComparedDays {
  const length = daysBetween(filters.from, filters.to) + 1;
  const previousFrom = addDays(filters.from, -length);
  const previousRange = { from: previousFrom, to: addDays(filters.from, -1) };
  // Data ending inside the range (to = today, figures up to last week): compare the same days.
  const last = coverage.last;
  const currentTo = last !== null && last >= filters.from && last < filters.to ? last : filters.to;
  const days = daysBetween(filters.from, currentTo) + 1;
  return { currentTo, previous: { from: previousFrom, to: addDays(previousFrom, days - 1) }, previousRange };
}

/** The verdict on two totals over `comparedDays`; `count`: records in the current period. */
export function compare(days: ComparedDays, coverage: Coverage, currentTotal: number, previousTotal: number, count: number): { comparison: Comparison; change: number | null } {
  const status =
    count === 0
      ? 'no-data'
      : coverage.first === null || days.previous.from < coverage.first
        ? 'before-data'
        : previousTotal === 0
          ? 'zero'
          : 'compared';
  const comparison: Comparison = { status, currentTo: days.currentTo, currentTotal: tidy(currentTotal) };
  return { comparison, change: status === 'compared' ? tidy((currentTotal - previousTotal) / previousTotal) : null };
}
