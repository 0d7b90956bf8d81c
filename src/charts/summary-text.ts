/**
 * The words of the summary, shared by the page's cards and the PDF's, so both say the same:
 * values in the metric's decimals and unit, and the change only when it means something
 * ("no comparison: figures start on 2026-03-04" rather than +1,452.5 %).
 * Pure: the browser bundle imports it.
 */
import type { FiguresView, MetricFormat } from '../figures/types.ts';
import { formatChange, formatNumber, withUnit } from './format.ts';

/** `5,911,997.20 EUR`: every value of a metric with the same places. */
export function formatValue(value: number, format: Pick<MetricFormat, 'decimals' | 'unit'>): string {
  return withUnit(formatNumber(value, format.decimals, format.decimals), format.unit);
}

const range = (from: string, to: string) => (from === to ? from : `${from} – ${to}`);

export interface ChangeText {
  /** `+12.3%`, or `–` when there is nothing to compare. */
  readonly value: string;
  readonly direction: 'up' | 'down' | 'flat' | 'none';
  /** What was compared with what, or why nothing was. */
  readonly note: string;
}

export function changeText(view: Pick<FiguresView, 'summary' | 'coverage' | 'format' | 'filters'>): ChangeText {
  const { summary, coverage, format, filters } = view;
  const { comparison, previous } = summary;
  switch (comparison.status) {
    case 'no-data':
      return { value: '–', direction: 'none', note: 'no comparison: no figures in this period' };
    case 'before-data':
      return { value: '–', direction: 'none', note: coverage.first === null ? 'no comparison: no figures yet' : `no comparison: figures start on ${coverage.first}` };
    case 'zero':
      return { value: '–', direction: 'none', note: `no comparison: nothing in ${range(previous.from, previous.to)}` };
    case 'compared': {
      const change = summary.change ?? 0;
      const cut = comparison.currentTo !== filters.to ? ` (both up to day ${dayCount(filters.from, comparison.currentTo)}: figures end on ${comparison.currentTo})` : '';
      const note = `vs ${range(previous.from, previous.to)}: ${formatValue(previous.total, format)}${cut}`;
      const text = formatChange(change);
      return { value: text, direction: text === '0%' ? 'flat' : change > 0 ? 'up' : change < 0 ? 'down' : 'flat', note };
    }
  }
}

function dayCount(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000) + 1;
}

/** "Figures up to 2026-12-05", from the newest record of this metric (and category). */
export function upToText(view: Pick<FiguresView, 'coverage'>): string {
  return view.coverage.last === null ? 'No figures yet' : `Figures up to ${view.coverage.last}`;
}
