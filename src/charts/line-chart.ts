/** The line chart: the figure over time, a line per category, or beside the previous period. */
import { bucketLabel, bucketTitle, dayNumber, fitText, formatCompact } from './format.ts';
import { DASH, emptyChart, LEGEND_ROW, line, measureTick, middle, niceTicks, r2, text, TICK_SIZE, valueText } from './chart-parts.ts';
import { LINE_COLOURS, type Chart, type ChartOptions, type ColourName, type LineMode, type Point, type Shape, type Target } from './chart.ts';
import type { Series, SeriesPoint } from '../figures/types.ts';

interface LineDef {
  readonly name: string;
  readonly colour: ColourName;
  /** Aligned with the series' points; null: no data (a gap). */
  readonly values: readonly (number | null)[];
  readonly dashed: boolean;
}

function lineDefs(series: Series, mode: LineMode, gap: (i: number) => boolean): LineDef[] {
  const total: LineDef = { name: 'Total', colour: 'series', values: series.points.map((p, i) => (gap(i) ? null : p.value)), dashed: false };
  if (mode === 'categories' && series.byCategory !== undefined && series.byCategory.length > 1) {
    return series.byCategory.map((l, n) => ({
      name: l.category,
      colour: l.folded > 0 ? 'other' : LINE_COLOURS[n % LINE_COLOURS.length]!,
      values: series.points.map((_, i) => (gap(i) ? null : (l.values[i] ?? null))),
      dashed: false,
    }));
  }
  if (mode === 'previous' && series.previous !== undefined) {
    const previous = series.points.map((_, i) => series.previous![i]?.value ?? null);
    return [total, { name: 'Previous period', colour: 'previous', values: previous, dashed: true }];
  }
  return [total];
}

interface LegendItem {
  readonly name: string;
  readonly colour: ColourName;
  readonly dashed: boolean;
}

/** Legend items left to right, wrapping; returns the shapes and the height used. */
function legend(items: readonly LegendItem[], width: number): { shapes: Shape[]; height: number } {
  const shapes: Shape[] = [];
  let x = 0;
  let row = 0;
  for (const item of items) {
    const name = fitText(item.name, 180, measureTick);
    const w = 22 + measureTick(name) + 16;
    if (x > 0 && x + w > width) {
      x = 0;
      row += 1;
    }
    const y = row * LEGEND_ROW + LEGEND_ROW / 2;
    shapes.push(line(x, y, x + 16, y, item.colour, 2.5, item.dashed ? DASH : undefined));
    shapes.push(text(x + 22, middle(y, TICK_SIZE), name, 'start', 'ink'));
    x += w;
  }
  return { shapes, height: items.length === 0 ? 0 : (row + 1) * LEGEND_ROW + 4 };
}

/** The days a partial bucket sums, for a tooltip: "incomplete: 3 of 7 days". */
function partialNote(point: SeriesPoint): string {
  const p = point.partial;
  if (p === undefined) return '';
  if (p.days === 0) return ' (no data)';
  const days = p.days === p.of ? '' : `${p.days} of ${p.of} days`;
  const today = p.today ? 'today is not over' : '';
  return ` (incomplete: ${[days, today].filter(Boolean).join(', ')})`;
}

/**
 * A line over time; x is proportional to the date. Buckets without data are gaps; a partial
 * bucket (cut by the range or the data, or holding today) is a ring, and the segments that touch
 * it are dashed, with a legend entry saying so: a one-day week is never read as a fall.
 */
export function lineChart(series: Series, options: ChartOptions): Chart {
  const { width, height, title } = options;
  const points = series.points.filter((p) => Number.isFinite(p.value) && !Number.isNaN(dayNumber(p.date)));
  const gap = (i: number) => points[i]!.partial?.days === 0;
  if (points.length === 0 || points.every((_, i) => gap(i))) return emptyChart(options);
  const bucket = series.bucket;
  const lines = lineDefs({ ...series, points }, options.mode ?? 'total', gap);
  const values = lines.flatMap((l) => l.values.filter((v): v is number => v !== null && Number.isFinite(v)));
  const ticks = niceTicks(Math.min(0, ...values), Math.max(0, ...values));
  const tickLabels = ticks.values.map((v) => formatCompact(v, 2));
  const xLabels = points.map((p) => bucketLabel(p.date, bucket));
  const widestX = Math.max(...xLabels.map(measureTick));
  const anyPartial = points.some((p, i) => p.partial !== undefined && !gap(i));
  const legendItems: LegendItem[] = lines.length > 1 ? lines.map((l) => ({ name: l.name, colour: l.colour, dashed: l.dashed })) : [];
  if (anyPartial) legendItems.push({ name: 'Incomplete period', colour: 'muted', dashed: true });
  const key = legend(legendItems, width);

  const left = Math.ceil(Math.max(...tickLabels.map(measureTick))) + 10;
  const right = Math.max(12, Math.ceil(widestX / 2) - 4);
  const top = key.height + 8;
  const plot = { x: left, y: top, w: width - left - right, h: height - top - 28 };
  const inset = Math.min(6, plot.w / 4);
  const days = points.map((p) => dayNumber(p.date));
  const first = days[0]!;
  const span = days[days.length - 1]! - first;
  const xOf = (day: number) => (span === 0 ? plot.x + plot.w / 2 : plot.x + inset + ((day - first) / span) * (plot.w - 2 * inset));
  const yOf = (v: number) => plot.y + plot.h - ((v - ticks.min) / (ticks.max - ticks.min)) * plot.h;

  const shapes: Shape[] = [...key.shapes];
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
    shapes.push(text(x, plot.y + plot.h + 18, xLabels[i]!, 'middle'));
  }

  const xs = days.map((d) => r2(xOf(d)));
  const partial = (i: number) => points[i]!.partial !== undefined;
  const many = points.length * lines.length;
  const strokeWidth = points.length > 120 ? 1.5 : 2;
  const formatted = (v: number) => valueText(v, options);
  for (const def of lines) {
    // Runs of segments with the same dash, each one polyline: solid between whole buckets,
    // dashed where a partial bucket is an end (and all along for the previous period).
    let run: Point[] = [];
    let runDashed = false;
    const flush = () => {
      if (run.length > 1) shapes.push({ kind: 'polyline', points: run, stroke: def.colour, width: strokeWidth, ...(runDashed ? { dash: DASH } : {}) });
      run = [];
    };
    for (let i = 0; i + 1 < points.length; i += 1) {
      const a = def.values[i];
      const b = def.values[i + 1];
      if (a === null || a === undefined || b === null || b === undefined) {
        flush();
        continue;
      }
      const dashed = def.dashed || partial(i) || partial(i + 1);
      const pa = { x: xs[i]!, y: r2(yOf(a)) };
      const pb = { x: xs[i + 1]!, y: r2(yOf(b)) };
      if (run.length > 0 && dashed !== runDashed) flush();
      if (run.length === 0) {
        run.push(pa);
        runDashed = dashed;
      }
      run.push(pb);
    }
    flush();
    if (def.dashed) continue;
    // Points: every one while they are few; a partial one always, as a ring.
    const r = points.length === 1 ? 4 : points.length <= 31 ? 3 : 2.5;
    def.values.forEach((v, i) => {
      if (v === null) return;
      const hollow = partial(i);
      if (!hollow && many > 60) return;
      const label = `${bucketTitle(points[i]!.date, bucket)}${partialNote(points[i]!)}: ${formatted(v)}`;
      shapes.push({ kind: 'circle', cx: xs[i]!, cy: r2(yOf(v)), r: hollow ? Math.max(r, 3.5) : r, fill: def.colour, label, visible: true, ...(hollow ? { hollow: true } : {}) });
    });
  }

  const targets: Target[] = points.map((p, i) => {
    const x0 = i === 0 ? plot.x : (xs[i - 1]! + xs[i]!) / 2;
    const x1 = i === points.length - 1 ? plot.x + plot.w : (xs[i]! + xs[i + 1]!) / 2;
    const head = `${bucketTitle(p.date, bucket)}${partialNote(p)}`;
    const body = lines.map((def) => {
      const v = def.values[i];
      const shown = v === null || v === undefined ? 'no data' : formatted(v);
      if (def.dashed) {
        const prev = series.previous?.[i];
        return `${def.name}${prev ? ` (${bucketTitle(prev.date, bucket)}${partialNote(prev)})` : ''}: ${shown}`;
      }
      return lines.length === 1 ? shown : `${def.name}: ${shown}`;
    });
    const marks = lines.flatMap((def) => {
      const v = def.values[i];
      return v === null || v === undefined ? [] : [{ x: xs[i]!, y: r2(yOf(v)) }];
    });
    return { x: r2(x0), y: plot.y, width: r2(Math.max(1, x1 - x0)), height: r2(plot.h), lines: [head, ...body], marks };
  });

  return { width, height, title, description: describeSeries(title, points, series.bucket, options), shapes, targets };
}

function describeSeries(title: string, all: readonly SeriesPoint[], bucket: Series['bucket'], options: ChartOptions): string {
  const value = (v: number) => valueText(v, options);
  const when = (p: SeriesPoint) => bucketTitle(p.date, bucket);
  const points = all.filter((p) => p.partial?.days !== 0);
  const first = points[0]!;
  const last = points[points.length - 1]!;
  const incomplete = points.filter((p) => p.partial !== undefined).map(when);
  const note = incomplete.length === 0 ? '' : ` Incomplete: ${incomplete.slice(0, 3).join(', ')}${incomplete.length > 3 ? ` and ${incomplete.length - 3} more` : ''}.`;
  if (points.length === 1) return `${title} by ${bucket}, ${when(first)}: ${value(first.value)}.${note}`;
  let low = first;
  let high = first;
  let total = 0;
  for (const p of points) {
    if (p.value < low.value) low = p;
    if (p.value > high.value) high = p;
    total += p.value;
  }
  const range = `${title} by ${bucket}, ${when(first)} to ${when(last)}`;
  if (low.value === high.value) return `${range}: every value is ${value(low.value)}.${note}`;
  return `${range}: lowest ${value(low.value)} on ${when(low)}, highest ${value(high.value)} on ${when(high)}, total ${value(total)}.${note}`;
}

