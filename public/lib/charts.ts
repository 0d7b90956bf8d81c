/**
 * The two charts, drawn by the same geometry and SVG writer as the PDF report
 * (src/charts/chart.ts, chart-svg.ts), so page and report cannot disagree. Each chart also
 * gets its text alternative as visually hidden text, and its numbers in a "Show as table".
 */
import { barChart, lineChart } from '../../src/charts/chart.ts';
import { chartSvg } from '../../src/charts/chart-svg.ts';
import type { FiguresView } from '../../src/figures/types.ts';
import { byId, fill, h } from './dom.ts';
import { formatValue } from './format.ts';

/**
 * Drawn at the size they are shown (the geometry's text is in user units), so labels stay
 * legible on a phone; the viewBox still scales the SVG if the frame changes size later.
 */
function size(id: string): { width: number; height: number } {
  const frame = byId(`chart-${id}`).querySelector<HTMLElement>('.chart-frame')!;
  const width = Math.round(Math.min(760, Math.max(240, (frame.clientWidth || 648) - 8)));
  return { width, height: width < 480 ? 240 : 280 };
}
const BUCKETS = { day: 'day', week: 'week', month: 'month' } as const;

/**
 * chartSvg() builds its markup from escaped text only (titles, labels and tooltips pass through
 * its XML escaping), so parsing it is safe; it is parsed as SVG, not HTML, and only the parsed
 * <svg> element is adopted into the page.
 */
function svgElement(markup: string): Element | undefined {
  const doc = new DOMParser().parseFromString(markup, 'image/svg+xml');
  const root = doc.documentElement;
  if (root.nodeName !== 'svg' || doc.getElementsByTagName('parsererror').length > 0) return undefined;
  return document.importNode(root, true);
}

function dataTable(caption: string, head: readonly [string, string], rows: ReadonlyArray<readonly [string, number]>): HTMLTableElement {
  return h(
    'table',
    { class: 'compact' },
    h('caption', { class: 'vh' }, caption),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, head[0]), h('th', { scope: 'col', class: 'num' }, head[1]))),
    h('tbody', {}, ...rows.map(([label, value]) => h('tr', {}, h('th', { scope: 'row' }, label), h('td', { class: 'num' }, formatValue(value))))),
  );
}

function place(id: string, markup: string, description: string, table: HTMLTableElement): void {
  const figure = byId(`chart-${id}`);
  const svg = svgElement(markup);
  fill(figure.querySelector('.chart-frame')!, svg ?? h('p', { class: 'notice' }, 'The chart could not be drawn; the figures are in the table below.'));
  fill(figure.querySelector('.chart-description')!, description);
  fill(figure.querySelector('.chart-data .table-scroll')!, table);
}

export function renderCharts(view: FiguresView): void {
  const { metric } = view.filters;
  const bucket = BUCKETS[view.series.bucket];
  const seriesTitle = `${metric} per ${bucket}`;
  const line = lineChart(view.series, { ...size('series'), title: seriesTitle });
  place(
    'series',
    chartSvg(line),
    line.description,
    dataTable(seriesTitle, [bucket === 'day' ? 'Day' : `${bucket[0]!.toUpperCase()}${bucket.slice(1)} from`, metric], view.series.points.map((p) => [p.date, p.value] as const)),
  );
  byId('chart-series').querySelector('h3')!.textContent = `${metric[0]?.toUpperCase() ?? ''}${metric.slice(1)} per ${bucket}`;

  const breakdownTitle = `${metric} by category`;
  const bars = barChart(view.breakdown, { ...size('breakdown'), title: breakdownTitle });
  place('breakdown', chartSvg(bars), bars.description, dataTable(breakdownTitle, ['Category', metric], view.breakdown.map((b) => [b.category, b.value] as const)));
  byId('chart-breakdown').querySelector('h3')!.textContent = `${metric[0]?.toUpperCase() ?? ''}${metric.slice(1)} by category`;
}
