/**
 * How the pages print numbers and dates. Figures use a fixed locale (en-US grouping, up to two
 * decimals) so that a figure on the page reads exactly as it does in the PDF report
 * (src/charts/format.ts spells them the same way); times of events are the reader's local time.
 */
import { formatChange as shared } from '../../src/charts/format.ts';
import { formatValue as metricValue } from '../../src/charts/summary-text.ts';
import type { MetricFormat } from '../../src/figures/types.ts';

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const decimal = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });
const moment = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

export function formatCount(value: number): string {
  return integer.format(value);
}

/** With the metric's format: its decimal places and unit, as the PDF prints them; without, up to two places. */
export function formatValue(value: number, format?: Pick<MetricFormat, 'decimals' | 'unit'>): string {
  return format === undefined ? decimal.format(value) : metricValue(value, format);
}

/** +12.3% / -4%, as the PDF prints it. */
export function formatChange(ratio: number): string {
  return shared(ratio);
}

/** Two ISO calendar days as a range. */
export function formatRange(from: string, to: string): string {
  return from === to ? from : `${from} \u2013 ${to}`;
}

/** Unix seconds (or an ISO timestamp) as local date and time. */
export function formatMoment(at: number | string | null): string {
  if (at === null) return 'Never';
  const time = typeof at === 'number' ? at * 1000 : Date.parse(at);
  return Number.isNaN(time) ? String(at) : moment.format(time);
}

/** The ISO day `days` after (or, negative, before) another. */
export function addDays(iso: string, days: number): string {
  return new Date(Date.parse(`${iso}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

export function todayIso(): string {
  const now = new Date();
  return new Date(Date.UTC(now.getFullYear(), now.getMonth(), now.getDate())).toISOString().slice(0, 10);
}
