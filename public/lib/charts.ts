/**
 * The two charts, drawn by the same geometry and SVG writer as the PDF report
 * (src/charts/chart.ts, chart-svg.ts), so page and report cannot disagree. Each chart gets a
 * real tooltip by mouse and keyboard (chart-tooltip.ts), its text alternative as visually hidden
 * text, and its numbers in a "Show as table". The line chart draws a line per category when none
 * is chosen (or the total, or the total beside the previous period: `lines`); a bar of the
 * breakdown, clicked or chosen with Enter, filters by its category.
 */
import { barChart, lineChart, type LineMode } from '../../src/charts/chart.ts';
import { chartSvg } from '../../src/charts/chart-svg.ts';
import type { FiguresView } from '../../src/figures/types.ts';
import { attachTooltip } from './chart-tooltip.ts';
import { byId, fill, h } from './dom.ts';
import { formatValue } from './format.ts';

/**
 * Drawn at the size they are shown (the geometry's text is in user units), so labels stay
 * legible on a phone; the viewBox still scales the SVG if the frame changes size later.
 */
function size(id: string): { width: number; height: number } {
  const frame = byId(`chart-${id}`).querySelector<HTMLElement>('.chart-frame')!;
  const width = Math.round(Math.min(760, Math.max(240, (frame.clientWidth || 648) - 8)));
  return { width, height: width < 480 ? 260 : 300 };
}
const BUCKETS = { day: 'day', week: 'week', month: 'month' } as const;

/**
 * chartSvg() builds its markup from escaped text only (titles, labels and tooltips pass through
 * its XML escaping), so parsing it is safe; it is parsed as SVG, not HTML, and only the parsed
 * <svg> element is adopted into the page.
 */
function svgElement(markup: string): SVGSVGElement | undefined {
  const doc = new DOMParser().parseFromString(markup, 'image/svg+xml');
  const root = doc.documentElement;
  if (root.nodeName !== 'svg' || doc.getElementsByTagName('parsererror').length > 0) return undefined;
  return document.importNode(root, true) as unknown as SVGSVGElement;
}

function dataTable(caption: string, head: readonly string[], rows: ReadonlyArray<readonly [string, ...(number | null)[]]>, view: FiguresView): HTMLTableElement {
  const cell = (value: number | null) => h('td', { class: 'num' }, value === null ? '\u2013' : formatValue(value, view.format));
  return h(
    'table',
    { class: 'compact' },
    h('caption', { class: 'vh' }, caption),
    h('thead', {}, h('tr', {}, ...head.map((text, i) => h('th', { scope: 'col', class: i === 0 ? undefined : 'num' }, text)))),
    h('tbody', {}, ...rows.map(([label, ...values]) => h('tr', {}, h('th', { scope: 'row' }, label), ...values.map(cell)))),
  );
}

function place(id: string, markup: string, description: string, table: HTMLTableElement): { frame: HTMLElement; svg: SVGSVGElement | undefined } {
  const figure = byId(`chart-${id}`);
  const svg = svgElement(markup);
  const frame = figure.querySelector<HTMLElement>('.chart-frame')!;
  fill(frame, svg ?? h('p', { class: 'notice' }, 'The chart could not be drawn; the figures are in the table below.'));
  fill(figure.querySelector('.chart-description')!, description);
  fill(figure.querySelector('.chart-data .table-scroll')!, table);
  return { frame, svg };
}

const capitalised = (s: string) => `${s[0]?.toUpperCase() ?? ''}${s.slice(1)}`;

/** What the line chart draws when the reader has not chosen: a line per category when none is chosen and there are several. */
export function defaultLines(view: FiguresView): LineMode {
  return view.filters.category === null && (view.series.byCategory?.length ?? 0) > 1 ? 'categories' : 'total';
}

export interface ChartSettings {
  readonly lines?: LineMode;
  /** Filters by a category (a bar clicked, or chosen with Enter). */
  readonly pick: (category: string) => void;
}

export function renderCharts(view: FiguresView, settings: ChartSettings): void {
  const { metric } = view.filters;
  const { decimals, unit } = view.format;
  const bucket = BUCKETS[view.series.bucket];
  const lines = settings.lines === 'categories' && view.series.byCategory === undefined ? 'total' : (settings.lines ?? defaultLines(view));
  const seriesTitle = `${metric} per ${bucket}`;
  const line = lineChart(view.series, { ...size('series'), title: seriesTitle, decimals, unit, mode: lines });
  const when = bucket === 'day' ? 'Day' : `${capitalised(bucket)} from`;
  const rows =
    lines === 'categories' && view.series.byCategory !== undefined
      ? view.series.points.map((p, i) => [p.date, ...view.series.byCategory!.map((l) => l.values[i] ?? null)] as const)
      : lines === 'previous'
        ? view.series.points.map((p, i) => [p.date, p.partial?.days === 0 ? null : p.value, view.series.previous?.[i]?.value ?? null] as const)
        : view.series.points.map((p) => [p.date, p.partial?.days === 0 ? null : p.value] as const);
  const head = lines === 'categories' && view.series.byCategory !== undefined ? [when, ...view.series.byCategory.map((l) => l.category)] : lines === 'previous' ? [when, metric, 'Previous period'] : [when, metric];
  const series = place('series', chartSvg(line), line.description, dataTable(seriesTitle, head, rows, view));
  if (series.svg !== undefined) attachTooltip(series.frame, series.svg, line, { hint: `arrow keys read each ${bucket}` });
  byId('chart-series').querySelector('h3')!.textContent = `${capitalised(metric)} per ${bucket}`;

  const breakdownTitle = `${metric} by category`;
  const bars = barChart(view.breakdown, { ...size('breakdown'), title: breakdownTitle, decimals, unit, highlight: view.filters.category });
  const breakdown = place('breakdown', chartSvg(bars), bars.description, dataTable(breakdownTitle, ['Category', metric], view.breakdown.map((b) => [b.category, b.value] as const), view));
  if (breakdown.svg !== undefined) attachTooltip(breakdown.frame, breakdown.svg, bars, { hint: 'arrow keys read each category, Enter filters by it', pick: settings.pick });
  byId('chart-breakdown').querySelector('h3')!.textContent = `${capitalised(metric)} by category`;
}
