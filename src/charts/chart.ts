/**
 * Chart geometry: one description of a chart as plain shapes, drawn by the page (as SVG, see
 * chart-svg.ts) and by the PDF report (with pdf-lib, see reports/draw-chart.ts), so the two cannot
 * drift apart. Coordinates are SVG's: origin top left, y down; the PDF flips them.
 * Pure: no DOM, no pdf-lib, no Node built-ins (the browser bundle imports it).
 * The body carries no title: the page and the report print their own headings.
 */
export { DASH, EMPTY_TEXT, MAX_BARS, niceTicks, TICK_SIZE, valueText, type Ticks } from './chart-parts.ts';
export { lineChart } from './line-chart.ts';
export { barChart, foldBreakdown, type Bar } from './bar-chart.ts';

/**
 * Readable on white and safe for colour-blind readers: text colours reach WCAG AA (≥ 4.5:1),
 * data colours are Okabe–Ito's, told apart by position and legend too (never by colour alone: a
 * negative bar also points the other way, the previous period is dashed). The page swaps them for
 * dark-mode ones through classes (chart-svg.ts, app.css); the PDF is printed on white.
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
  /** The categories' lines, after `series` (Okabe–Ito orange, bluish green, reddish purple, sky blue). */
  c2: '#e69f00',
  c3: '#009e73',
  c4: '#cc79a7',
  c5: '#56b4e9',
  previous: '#6e7781',
  /** Bars of the categories not chosen, beside the chosen one. */
  faint: '#9fc5e3',
} as const;
export type ColourName = keyof typeof PALETTE;
/** The colours of the lines of a chart, in order. */
export const LINE_COLOURS: readonly ColourName[] = ['series', 'c2', 'c3', 'c4', 'c5'];

export interface Point {
  readonly x: number;
  readonly y: number;
}

export type Shape =
  | { readonly kind: 'line'; readonly x1: number; readonly y1: number; readonly x2: number; readonly y2: number; readonly stroke: ColourName; readonly width: number; readonly dash?: readonly number[] }
  | { readonly kind: 'polyline'; readonly points: readonly Point[]; readonly stroke: ColourName; readonly width: number; readonly dash?: readonly number[] }
  | { readonly kind: 'rect'; readonly x: number; readonly y: number; readonly width: number; readonly height: number; readonly fill: ColourName; readonly label?: string }
  /** A data point; `hollow`: a ring in its colour on the ground (a partial bucket). */
  | { readonly kind: 'circle'; readonly cx: number; readonly cy: number; readonly r: number; readonly fill: ColourName; readonly label: string; readonly visible: boolean; readonly hollow?: boolean }
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

/**
 * Where a reader can point (mouse) or step (keyboard) to read a value: a bucket's vertical band
 * in a line chart, a bar's row in a bar chart. Not drawn; the page puts its tooltip there.
 */
export interface Target {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
  /** The tooltip: the period or category first, then the value or one line per series. */
  readonly lines: readonly string[];
  /** Where the values sit (the points of the bucket, the end of the bar): the page marks them. */
  readonly marks: readonly Point[];
  /** The category a click on a bar filters by (absent for "Other"). */
  readonly key?: string;
}

export interface Chart {
  readonly width: number;
  readonly height: number;
  readonly title: string;
  /** The text alternative: what a reader who cannot see the chart should learn from it. */
  readonly description: string;
  readonly shapes: readonly Shape[];
  readonly targets: readonly Target[];
}

/** What the line chart draws: the total, a line per category, or the total beside the previous period. */
export type LineMode = 'total' | 'categories' | 'previous';

export interface ChartOptions {
  readonly width: number;
  readonly height: number;
  readonly title: string;
  /** Appended to values in tooltips and the description (`1,234 EUR`); not to axis labels. */
  readonly unit?: string;
  /** Decimal places of every value shown (the metric's); up to 2, trailing zeros dropped, when omitted. */
  readonly decimals?: number;
  /** Line chart: `total` by default; `categories` needs `Series.byCategory`, `previous` `Series.previous`. */
  readonly mode?: LineMode;
  /** Bar chart: the chosen category, drawn strong among the others. */
  readonly highlight?: string | null;
}

