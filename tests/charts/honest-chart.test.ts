/** Issue 17: partial buckets drawn apart, lines per category and the previous period with a legend, targets for tooltips, readable text, the metric's decimals. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { barChart, type Chart, lineChart, type Shape } from '../../src/charts/chart.ts';
import { chartSvg } from '../../src/charts/chart-svg.ts';
import type { Series } from '../../src/figures/types.ts';

const size = { width: 600, height: 260 };
const of = <K extends Shape['kind']>(chart: Chart, kind: K) => chart.shapes.filter((s): s is Extract<Shape, { kind: K }> => s.kind === kind);
const texts = (chart: Chart) => of(chart, 'text').map((t) => t.text);

/** "All time" from a Thursday: a four-day first week, then whole weeks, then this week (today). */
const weeks: Series = {
  bucket: 'week',
  points: [
    { date: '2025-12-29', value: 40, partial: { from: '2026-01-01', to: '2026-01-04', days: 4, of: 7 } },
    { date: '2026-01-05', value: 70 },
    { date: '2026-01-12', value: 72 },
    { date: '2026-01-19', value: 20, partial: { from: '2026-01-19', to: '2026-01-20', days: 2, of: 7, today: true } },
  ],
  previous: [null, { date: '2025-12-08', value: 60 }, { date: '2025-12-15', value: 65 }, { date: '2025-12-22', value: 30 }],
  byCategory: [
    { category: '서울 지점', folded: 0, values: [30, 50, 52, 15] },
    { category: 'Online', folded: 0, values: [10, 20, 20, 5] },
  ],
};

test('a partial first and last week: rings, dashed segments, a legend entry, and tooltips that say so', () => {
  const chart = lineChart(weeks, { ...size, title: 'Revenue per week', unit: 'EUR', decimals: 2 });
  const lines = of(chart, 'polyline');
  assert.deepEqual(lines.map((l) => [l.points.length, l.dash !== undefined]), [[2, true], [2, false], [2, true]], 'into and out of the partial weeks dashed, the whole ones solid');
  const rings = of(chart, 'circle').filter((c) => c.hollow);
  assert.equal(rings.length, 2);
  assert.ok(texts(chart).includes('Incomplete period'), 'labelled in a legend');
  assert.deepEqual(chart.targets[0]!.lines, ['Week of Dec 29, 2025 (incomplete: 4 of 7 days)', '40.00 EUR']);
  assert.deepEqual(chart.targets[3]!.lines, ['Week of Jan 19, 2026 (incomplete: 2 of 7 days, today is not over)', '20.00 EUR']);
  assert.match(chart.description, /Incomplete: Week of Dec 29, 2025, Week of Jan 19, 2026\.$/);
  const svg = chartSvg(chart);
  assert.match(svg, /stroke-dasharray="5 4"/);
  assert.match(svg, /class="f-surface s-series partial"/);
});

test('a bucket without data is a gap, not a zero', () => {
  const gap: Series = { bucket: 'day', points: [{ date: '2026-03-01', value: 0, partial: { from: '2026-03-01', to: '2026-03-01', days: 0, of: 1 } }, { date: '2026-03-02', value: 5 }, { date: '2026-03-03', value: 6 }] };
  const chart = lineChart(gap, { ...size, title: 'T' });
  assert.deepEqual(of(chart, 'polyline').map((l) => l.points.length), [2]);
  assert.deepEqual(chart.targets[0]!.lines, ['Mar 1, 2026 (no data)', 'no data']);
});

test('a line per category with a legend; the previous period dashed beside the total', () => {
  const byCategory = lineChart(weeks, { ...size, title: 'T', mode: 'categories' });
  assert.deepEqual([...new Set(of(byCategory, 'polyline').map((l) => l.stroke))], ['series', 'c2']);
  assert.ok(texts(byCategory).includes('서울 지점') && texts(byCategory).includes('Online'));
  assert.deepEqual(byCategory.targets[1]!.lines, ['Week of Jan 5, 2026', '서울 지점: 50', 'Online: 20']);
  assert.equal(byCategory.targets[1]!.marks.length, 2);

  const previous = lineChart(weeks, { ...size, title: 'T', mode: 'previous' });
  const dashedPrevious = of(previous, 'polyline').filter((l) => l.stroke === 'previous');
  assert.ok(dashedPrevious.length > 0 && dashedPrevious.every((l) => l.dash !== undefined));
  assert.ok(texts(previous).includes('Previous period'));
  assert.deepEqual(previous.targets[1]!.lines, ['Week of Jan 5, 2026', 'Total: 70', 'Previous period (Week of Dec 8, 2025): 60']);
});

test('text at 12 px; values with the metric\'s decimals everywhere', () => {
  const chart = barChart([{ category: 'A', value: 5911997.2 }, { category: 'B', value: 20808 }], { ...size, title: 'T', decimals: 2, unit: 'EUR' });
  assert.ok(of(chart, 'text').every((t) => t.size >= 12));
  assert.ok(texts(chart).includes('5,911,997.20') && texts(chart).includes('20,808.00'), texts(chart).join(' '));
  assert.deepEqual(chart.targets.map((t) => t.lines), [['A', '5,911,997.20 EUR'], ['B', '20,808.00 EUR']]);
});

test('bars: the chosen category strong among the others, each a target to filter by ("Other" is not)', () => {
  const items = Array.from({ length: 14 }, (_, i) => ({ category: `C${i}`, value: 100 - i }));
  const chart = barChart(items, { ...size, title: 'T', highlight: 'C13' });
  const rects = of(chart, 'rect');
  assert.equal(rects.filter((r) => r.fill === 'series').length, 1, 'one strong bar');
  assert.equal(chart.targets.find((t) => t.key === 'C13')?.lines[0], 'C13 (chosen)', 'kept out of "Other" though it is the smallest');
  assert.equal(chart.targets.at(-1)!.key, undefined);
  assert.equal(chart.targets.length, 12);
});
