/** The bar chart: the figure by category, the chosen one strong among the others. */
import { fitText, formatCompact, formatNumber, withUnit } from './format.ts';
import { emptyChart, MAX_BARS, measureTick, middle, niceTicks, r2, text, line, TICK_SIZE, valueText } from './chart-parts.ts';
import type { Chart, ChartOptions, ColourName, Shape, Target } from './chart.ts';
import type { BreakdownItem } from '../figures/types.ts';

export interface Bar {
  readonly category: string;
  readonly value: number;
  /** How many categories this bar folds together (0 for a category of its own). */
  readonly folded: number;
}

/** Largest first; beyond `max` bars, the smallest are summed into "Other (n categories)" (a `keep` category stays a bar of its own). */
export function foldBreakdown(items: readonly BreakdownItem[], max = MAX_BARS, keep?: string | null): Bar[] {
  const sorted = items
    .filter((item) => Number.isFinite(item.value))
    .sort((a, b) => b.value - a.value || (a.category < b.category ? -1 : a.category > b.category ? 1 : 0));
  if (sorted.length <= max) return sorted.map((item) => ({ category: item.category, value: item.value, folded: 0 }));
  let kept = sorted.slice(0, max - 1);
  const chosen = keep === undefined || keep === null ? undefined : sorted.find((item) => item.category === keep);
  if (chosen !== undefined && !kept.includes(chosen)) kept = [...kept.slice(0, max - 2), chosen];
  const rest = sorted.filter((item) => !kept.includes(item));
  const value = rest.reduce((sum, item) => sum + item.value, 0);
  return [...kept.map((item) => ({ category: item.category, value: item.value, folded: 0 })), { category: `Other (${rest.length} categories)`, value, folded: rest.length }];
}

/** Horizontal bars, category names on the left, each value at the end of its bar. */
export function barChart(items: readonly BreakdownItem[], options: ChartOptions): Chart {
  const { width, height, title } = options;
  const highlight = options.highlight ?? null;
  const bars = foldBreakdown(items, MAX_BARS, highlight);
  if (bars.length === 0) return emptyChart(options);
  const values = bars.map((b) => b.value);
  const negative = values.some((v) => v < 0);
  const valueLabels = values.map((v) => (options.decimals === undefined ? formatNumber(v) : formatNumber(v, options.decimals, options.decimals)));
  const valueW = Math.ceil(Math.max(...valueLabels.map(measureTick))) + 6;
  const labelW = Math.min(Math.ceil(Math.max(...bars.map((b) => measureTick(b.category)))), Math.floor(width * 0.32));

  const left = labelW + 10 + (negative ? valueW : 0);
  const plot = { x: left, y: 4, w: Math.max(10, width - left - valueW - 4), h: height - 4 - 24 };
  const ticks = niceTicks(Math.min(0, ...values), Math.max(0, ...values), Math.max(2, Math.min(6, Math.floor(plot.w / 80))));
  const xOf = (v: number) => plot.x + ((v - ticks.min) / (ticks.max - ticks.min)) * plot.w;

  const shapes: Shape[] = [];
  for (const v of ticks.values) {
    shapes.push(line(xOf(v), plot.y, xOf(v), plot.y + plot.h, v === 0 ? 'axis' : 'grid'));
    shapes.push(text(xOf(v), plot.y + plot.h + 16, formatCompact(v, 2), 'middle'));
  }

  const band = plot.h / bars.length;
  const barH = Math.min(band * 0.7, 22);
  const targets: Target[] = [];
  bars.forEach((bar, i) => {
    const centre = plot.y + band * i + band / 2;
    const x0 = xOf(0);
    const x1 = xOf(bar.value);
    const chosen = highlight !== null && bar.category === highlight;
    const fill: ColourName = bar.folded > 0 ? 'other' : bar.value < 0 ? 'negative' : highlight === null || chosen ? 'series' : 'faint';
    const shown = withUnit(valueLabels[i]!, options.unit);
    const label = `${bar.category}: ${shown}`;
    shapes.push({ kind: 'rect', x: r2(Math.min(x0, x1)), y: r2(centre - barH / 2), width: r2(Math.abs(x1 - x0)), height: r2(barH), fill, label });
    shapes.push(text(0, middle(centre, TICK_SIZE), fitText(bar.category, labelW, measureTick), 'start', 'ink', TICK_SIZE, chosen ? 'bold' : 'normal'));
    const after = bar.value < 0 ? x1 - 4 : x1 + 4;
    shapes.push(text(after, middle(centre, TICK_SIZE), valueLabels[i]!, bar.value < 0 ? 'end' : 'start', 'ink'));
    const note = chosen ? ' (chosen)' : '';
    targets.push({
      x: 0,
      y: r2(plot.y + band * i),
      width: width,
      height: r2(band),
      lines: [`${bar.category}${note}`, shown],
      marks: [{ x: r2(x1), y: r2(centre) }],
      ...(bar.folded > 0 ? {} : { key: bar.category }),
    });
  });

  return { width, height, title, description: describeBars(title, bars, options), shapes, targets };
}

function describeBars(title: string, bars: readonly Bar[], options: ChartOptions): string {
  const total = bars.reduce((sum, bar) => sum + bar.value, 0);
  const parts = bars.map((bar) => `${bar.category} ${valueText(bar.value, options)}`);
  return `${title}: ${parts.join('; ')}. Total ${valueText(total, options)}.`;
}

