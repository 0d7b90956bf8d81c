/**
 * Chart geometry: one description of a chart as plain shapes, drawn by the page (as SVG, see
 * chart-svg.ts) and by the PDF report (with pdf-lib, see reports/draw-chart.ts), so the two cannot
 * drift apart. Coordinates are SVG's: origin top left, y down; the PDF flips them.
 * Pure: no DOM, no pdf-lib, no Node built-ins (the browser bundle imports it).
 * The body carries no title: the page and the report print their own headings.
 */
import {
  approxTextWidth,
  bucketLabel,
  bucketTitle,
  dayNumber,
  fitText,
  formatCompact,
  formatNumber,
  withUnit,
} from './format.ts';
import type { BreakdownItem, Series, SeriesPoint } from '../figures/types.ts';

/**
 * Readable on white and safe for colour-blind readers: text colours reach WCAG AA (≥ 4.5:1),
 * data colours are Okabe–Ito's blue and vermillion, told apart by position too (never by colour
 * alone: a negative bar also points the other way).
 */
export const PALETTE = {
  ink: '#1f2328',
  muted: '#57606a',
  grid: '#e1e4e8',
  axis: '#8c959f',
  series: '#0072b2',
  negative: '#d55e00',
  other: '#6e7781',
  surface: '#ffffff',
} as const;
export type ColourName = keyof typeof PALETTE;

export interface Point {
  readonly x: number;
  readonly y: number;
}

export type Shape =
  | { readonly kind: 'line'; readonly x1: number; readonly y1: number; readonly x2: number; readonly y2: number; readonly stroke: ColourName; readonly width: number }
  | { readonly kind: 'polyline'; readonly points: readonly Point[]; readonly stroke: ColourName; readonly width: number }
  | { readonly kind: 'rect'; readonly x: number; readonly y: number; readonly width: number; readonly height: number; readonly fill: ColourName; readonly label?: string }
  /** A data point; `visible: false` is a hover target only (too many points to mark them all). */
  | { readonly kind: 'circle'; readonly cx: number; readonly cy: number; readonly r: number; readonly fill: ColourName; readonly label: string; readonly visible: boolean }
  /** `y` is the baseline. */
  | {
      readonly kind: 'text';
      readonly x: number;
      readonly y: number;
      readonly text: string;
      readonly anchor: 'start' | 'middle' | 'end';
      readonly size: number;
      readonly weight: 'normal' | 'bold';
      readonly fill: ColourName;
    };

export interface Chart {
  readonly width: number;
  readonly height: number;
  readonly title: string;
  /** The text alternative: what a reader who cannot see the chart should learn from it. */
  readonly description: string;
  readonly shapes: readonly Shape[];
}

export interface ChartOptions {
  readonly width: number;
  readonly height: number;
  readonly title: string;
  /** Appended to values in tooltips and the description (`1,234 EUR`); not to axis labels. */
  readonly unit?: string;
}

export const EMPTY_TEXT = 'No data for these filters';
/** Bars beyond this are folded into one "Other" bar. */
export const MAX_BARS = 12;
const TICK_SIZE = 10;
/** Baseline offset that centres a line of text of this size on a y coordinate. */
const middle = (y: number, size: number) => r2(y + size * 0.35);
const r2 = (n: number) => Math.round(n * 100) / 100;

export interface Ticks {
  readonly min: number;
  readonly max: number;
  readonly step: number;
  readonly values: readonly number[];
}

/** Axis ticks on 1, 2 or 5 × 10ⁿ that cover [min, max] in about `target` steps. */
export function niceTicks(min: number, max: number, target = 5): Ticks {
  if (!(max > min)) {
    if (min === 0 && max === 0) max = 1;
    else if (max > 0) min = 0;
    else max = 0;
  }
  const raw = (max - min) / Math.max(1, target);
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const residual = raw / magnitude;
  const NICE = [0.5, 1, 2, 5, 10];
  let k = NICE.findIndex((n) => n >= residual - 1e-9);
  const span = (step: number) => ({ low: Math.floor(min / step + 1e-9) * step, high: Math.ceil(max / step - 1e-9) * step });
  // With few ticks (a narrow chart) the usual step can leave the axis mostly empty (1.15M data
  // on a 0–2M axis): take the next smaller nice step when that costs at most one more tick.
  const usual = span(NICE[k]! * magnitude);
  if ((usual.high - usual.low - (max - min)) / (usual.high - usual.low) > 0.3 && k > 0) {
    const finer = span(NICE[k - 1]! * magnitude);
    if ((finer.high - finer.low) / (NICE[k - 1]! * magnitude) <= Math.max(1, target) + 1) k -= 1;
  }
  const step = NICE[k]! * magnitude;
  const decimals = Math.max(0, -Math.floor(Math.log10(step)));
  const round = (n: number) => Number(n.toFixed(decimals));
  const low = round(span(step).low);
  const high = round(span(step).high);
  const values: number[] = [];
  for (let i = 0; low + i * step <= high + step / 2; i += 1) values.push(round(low + i * step));
  return { min: low, max: high, step, values };
}

function text(x: number, y: number, value: string, anchor: 'start' | 'middle' | 'end', fill: ColourName = 'muted', size = TICK_SIZE): Shape {
  return { kind: 'text', x: r2(x), y: r2(y), text: value, anchor, size, weight: 'normal', fill };
}

function line(x1: number, y1: number, x2: number, y2: number, stroke: ColourName, width = 1): Shape {
  return { kind: 'line', x1: r2(x1), y1: r2(y1), x2: r2(x2), y2: r2(y2), stroke, width };
}

function emptyChart(options: ChartOptions): Chart {
  const { width, height, title } = options;
  return {
    width,
    height,
    title,
    description: `${title}: no data for these filters.`,
    shapes: [text(width / 2, middle(height / 2, 13), EMPTY_TEXT, 'middle', 'muted', 13)],
  };
}

const measureTick = (s: string) => approxTextWidth(s, TICK_SIZE);

/** A line over time; x is proportional to the date, so gaps in the data show as gaps. */
export function lineChart(series: Series, options: ChartOptions): Chart {
  const { width, height, title, unit } = options;
  const points = series.points.filter((p) => Number.isFinite(p.value) && !Number.isNaN(dayNumber(p.date))).sort((a, b) => dayNumber(a.date) - dayNumber(b.date));
  if (points.length === 0) return emptyChart(options);
  const bucket = series.bucket;
  const values = points.map((p) => p.value);
  const ticks = niceTicks(Math.min(0, ...values), Math.max(0, ...values));
  const tickLabels = ticks.values.map((v) => formatCompact(v, 2));
  const xLabels = points.map((p) => bucketLabel(p.date, bucket));
  const widestX = Math.max(...xLabels.map(measureTick));

  const left = Math.ceil(Math.max(...tickLabels.map(measureTick))) + 10;
  const right = Math.max(12, Math.ceil(widestX / 2) - 4);
  const plot = { x: left, y: 8, w: width - left - right, h: height - 8 - 24 };
  const inset = Math.min(6, plot.w / 4);
  const days = points.map((p) => dayNumber(p.date));
  const first = days[0]!;
  const span = days[days.length - 1]! - first;
  const xOf = (day: number) => (span === 0 ? plot.x + plot.w / 2 : plot.x + inset + ((day - first) / span) * (plot.w - 2 * inset));
  const yOf = (v: number) => plot.y + plot.h - ((v - ticks.min) / (ticks.max - ticks.min)) * plot.h;

  const shapes: Shape[] = [];
  ticks.values.forEach((v, i) => {
    shapes.push(line(plot.x, yOf(v), plot.x + plot.w, yOf(v), v === 0 ? 'axis' : 'grid'));
    shapes.push(text(plot.x - 6, middle(yOf(v), TICK_SIZE), tickLabels[i]!, 'end'));
  });
  shapes.push(line(plot.x, plot.y + plot.h, plot.x + plot.w, plot.y + plot.h, 'axis'));

  // As many date labels as fit side by side, evenly spread, always starting with the first.
  const fit = Math.max(1, Math.floor(plot.w / (widestX + 14)));
  const every = Math.ceil(points.length / fit);
  for (let i = 0; i < points.length; i += every) {
    const x = xOf(days[i]!);
    shapes.push(line(x, plot.y + plot.h, x, plot.y + plot.h + 4, 'axis'));
    shapes.push(text(x, plot.y + plot.h + 16, xLabels[i]!, 'middle'));
  }

  const coords = points.map((p, i) => ({ x: r2(xOf(days[i]!)), y: r2(yOf(p.value)) }));
  if (coords.length > 1) shapes.push({ kind: 'polyline', points: coords, stroke: 'series', width: coords.length > 120 ? 1.5 : 2 });
  const visible = coords.length <= 60;
  const r = coords.length === 1 ? 4 : coords.length <= 31 ? 3 : visible ? 2 : 3;
  points.forEach((p, i) => {
    const label = `${bucketTitle(p.date, bucket)}: ${withUnit(formatNumber(p.value), unit)}`;
    shapes.push({ kind: 'circle', cx: coords[i]!.x, cy: coords[i]!.y, r, fill: 'series', label, visible });
  });

  return { width, height, title, description: describeSeries(title, points, series.bucket, unit), shapes };
}

function describeSeries(title: string, points: readonly SeriesPoint[], bucket: Series['bucket'], unit: string | undefined): string {
  const value = (v: number) => withUnit(formatNumber(v), unit);
  const when = (p: SeriesPoint) => bucketTitle(p.date, bucket);
  const first = points[0]!;
  const last = points[points.length - 1]!;
  if (points.length === 1) return `${title} by ${bucket}, ${when(first)}: ${value(first.value)}.`;
  let low = first;
  let high = first;
  let total = 0;
  for (const p of points) {
    if (p.value < low.value) low = p;
    if (p.value > high.value) high = p;
    total += p.value;
  }
  const range = `${title} by ${bucket}, ${when(first)} to ${when(last)}`;
  if (low.value === high.value) return `${range}: every value is ${value(low.value)}.`;
  return `${range}: lowest ${value(low.value)} on ${when(low)}, highest ${value(high.value)} on ${when(high)}, total ${value(total)}.`;
}

export interface Bar {
  readonly category: string;
  readonly value: number;
  /** How many categories this bar folds together (0 for a category of its own). */
  readonly folded: number;
}

/** Largest first; beyond `max` bars, the smallest are summed into "Other (n categories)". */
export function foldBreakdown(items: readonly BreakdownItem[], max = MAX_BARS): Bar[] {
  const sorted = items
    .filter((item) => Number.isFinite(item.value))
    .sort((a, b) => b.value - a.value || (a.category < b.category ? -1 : a.category > b.category ? 1 : 0));
  if (sorted.length <= max) return sorted.map((item) => ({ category: item.category, value: item.value, folded: 0 }));
  const kept = sorted.slice(0, max - 1).map((item) => ({ category: item.category, value: item.value, folded: 0 }));
  const rest = sorted.slice(max - 1);
  const value = rest.reduce((sum, item) => sum + item.value, 0);
  return [...kept, { category: `Other (${rest.length} categories)`, value, folded: rest.length }];
}

/** Horizontal bars, category names on the left, each value at the end of its bar. */
export function barChart(items: readonly BreakdownItem[], options: ChartOptions): Chart {
  const { width, height, title, unit } = options;
  const bars = foldBreakdown(items);
  if (bars.length === 0) return emptyChart(options);
  const values = bars.map((b) => b.value);
  const negative = values.some((v) => v < 0);
  const valueLabels = values.map((v) => formatNumber(v));
  const valueW = Math.ceil(Math.max(...valueLabels.map(measureTick))) + 6;
  const labelW = Math.min(Math.ceil(Math.max(...bars.map((b) => measureTick(b.category)))), Math.floor(width * 0.32));

  const left = labelW + 10 + (negative ? valueW : 0);
  const plot = { x: left, y: 4, w: Math.max(10, width - left - valueW - 4), h: height - 4 - 22 };
  const ticks = niceTicks(Math.min(0, ...values), Math.max(0, ...values), Math.max(2, Math.min(6, Math.floor(plot.w / 70))));
  const xOf = (v: number) => plot.x + ((v - ticks.min) / (ticks.max - ticks.min)) * plot.w;

  const shapes: Shape[] = [];
  for (const v of ticks.values) {
    shapes.push(line(xOf(v), plot.y, xOf(v), plot.y + plot.h, v === 0 ? 'axis' : 'grid'));
    shapes.push(text(xOf(v), plot.y + plot.h + 14, formatCompact(v, 2), 'middle'));
  }

  const band = plot.h / bars.length;
  const barH = Math.min(band * 0.7, 22);
  bars.forEach((bar, i) => {
    const centre = plot.y + band * i + band / 2;
    const x0 = xOf(0);
    const x1 = xOf(bar.value);
    const fill: ColourName = bar.folded > 0 ? 'other' : bar.value < 0 ? 'negative' : 'series';
    const label = `${bar.category}: ${withUnit(valueLabels[i]!, unit)}`;
    shapes.push({ kind: 'rect', x: r2(Math.min(x0, x1)), y: r2(centre - barH / 2), width: r2(Math.abs(x1 - x0)), height: r2(barH), fill, label });
    shapes.push(text(0, middle(centre, TICK_SIZE), fitText(bar.category, labelW, measureTick), 'start', 'ink'));
    const after = bar.value < 0 ? x1 - 4 : x1 + 4;
    shapes.push(text(after, middle(centre, TICK_SIZE), valueLabels[i]!, bar.value < 0 ? 'end' : 'start', 'ink'));
  });

  return { width, height, title, description: describeBars(title, bars, unit), shapes };
}

function describeBars(title: string, bars: readonly Bar[], unit: string | undefined): string {
  const total = bars.reduce((sum, bar) => sum + bar.value, 0);
  const parts = bars.map((bar) => `${bar.category} ${withUnit(formatNumber(bar.value), unit)}`);
  return `${title}: ${parts.join('; ')}. Total ${withUnit(formatNumber(total), unit)}.`;
}
