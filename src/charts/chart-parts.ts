/** The pieces every chart is made of: constants, axis ticks, text and line shapes, the empty chart, values as printed. */
import { approxTextWidth, formatNumber, withUnit } from './format.ts';
import type { Chart, ChartOptions, ColourName, Shape } from './chart.ts';

export const EMPTY_TEXT = 'No data for these filters';
/** Bars beyond this are folded into one "Other" bar. */
export const MAX_BARS = 12;
/** Axis and label text: 12 px on the page (legible, Korean too), 12 pt in the PDF. */
export const TICK_SIZE = 12;
export const LEGEND_ROW = 20;
/** Dashes of a partial bucket's segments and of the previous period. */
export const DASH = [5, 4] as const;
/** Baseline offset that centres a line of text of this size on a y coordinate. */
export const middle = (y: number, size: number) => r2(y + size * 0.35);
export const r2 = (n: number) => Math.round(n * 100) / 100;

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

export function text(x: number, y: number, value: string, anchor: 'start' | 'middle' | 'end', fill: ColourName = 'muted', size = TICK_SIZE, weight: 'normal' | 'bold' = 'normal'): Shape {
  return { kind: 'text', x: r2(x), y: r2(y), text: value, anchor, size, weight, fill };
}

export function line(x1: number, y1: number, x2: number, y2: number, stroke: ColourName, width = 1, dash?: readonly number[]): Shape {
  return { kind: 'line', x1: r2(x1), y1: r2(y1), x2: r2(x2), y2: r2(y2), stroke, width, ...(dash === undefined ? {} : { dash }) };
}

export function emptyChart(options: ChartOptions): Chart {
  const { width, height, title } = options;
  return {
    width,
    height,
    title,
    description: `${title}: no data for these filters.`,
    shapes: [text(width / 2, middle(height / 2, 13), EMPTY_TEXT, 'middle', 'muted', 13)],
    targets: [],
  };
}

export const measureTick = (s: string) => approxTextWidth(s, TICK_SIZE);

/** A value as every place prints it: the metric's decimals and unit. */
export function valueText(value: number, options: Pick<ChartOptions, 'unit' | 'decimals'>): string {
  const text = options.decimals === undefined ? formatNumber(value) : formatNumber(value, options.decimals, options.decimals);
  return withUnit(text, options.unit);
}

