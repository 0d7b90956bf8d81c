import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { barChart, type Chart, EMPTY_TEXT, foldBreakdown, lineChart, niceTicks, type Shape } from '../../src/charts/chart.ts';
import { chartSvg, escapeXml } from '../../src/charts/chart-svg.ts';
import { bucketLabel, bucketTitle, fitText, formatChange, formatCompact, formatNumber, fractionDigits, isoWeek } from '../../src/charts/format.ts';
import type { Series } from '../../src/figures/types.ts';

const size = { width: 600, height: 240 };
const of = <K extends Shape['kind']>(chart: Chart, kind: K) => chart.shapes.filter((s): s is Extract<Shape, { kind: K }> => s.kind === kind);
const texts = (chart: Chart) => of(chart, 'text').map((t) => t.text);
const days = (values: number[], from = 1): Series => ({
  bucket: 'day',
  points: values.map((value, i) => ({ date: `2026-03-${String(from + i).padStart(2, '0')}`, value })),
});

describe('nice ticks', () => {
  test('steps of 1, 2 or 5 × 10ⁿ that cover the range', () => {
    assert.deepEqual(niceTicks(0, 9800), { min: 0, max: 10000, step: 2000, values: [0, 2000, 4000, 6000, 8000, 10000] });
    assert.deepEqual(niceTicks(0, 1).values, [0, 0.2, 0.4, 0.6, 0.8, 1]);
    assert.deepEqual(niceTicks(-350, 1200).values, [-500, 0, 500, 1000, 1500]);
    assert.deepEqual(niceTicks(0, 47).values, [0, 10, 20, 30, 40, 50]);
    assert.deepEqual(niceTicks(0, 0.003).values, [0, 0.001, 0.002, 0.003]);
    // Few ticks (a narrow chart): not a 0–2M axis for 1.15M of data.
    assert.deepEqual(niceTicks(0, 1_150_000, 2).values, [0, 500_000, 1_000_000, 1_500_000]);
    assert.deepEqual(niceTicks(0, 55, 2).values, [0, 20, 40, 60]);
  });

  test('an empty range still makes an axis that includes zero', () => {
    assert.deepEqual(niceTicks(0, 0).values, [0, 0.2, 0.4, 0.6, 0.8, 1]);
    assert.equal(niceTicks(7, 7).min, 0);
    assert.equal(niceTicks(-7, -7).max, 0);
  });
});

describe('format', () => {
  test('numbers: grouping, at most two decimals, no negative zero', () => {
    assert.equal(formatNumber(1234567.891), '1,234,567.89');
    assert.equal(formatNumber(-1200), '-1,200');
    assert.equal(formatNumber(-0.001), '0');
    assert.equal(formatNumber(5.5, 2, 2), '5.50');
    assert.equal(formatNumber(Number.NaN), '–');
    assert.equal(fractionDigits([1, 2.5, 3.25]), 2);
    assert.equal(fractionDigits([1, 2]), 0);
  });

  test('compact axis labels', () => {
    assert.equal(formatCompact(950), '950');
    assert.equal(formatCompact(1234), '1.2k');
    assert.equal(formatCompact(3_400_000), '3.4M');
    assert.equal(formatCompact(-1500), '-1.5k');
    assert.equal(formatCompact(999_960), '1M');
    assert.equal(formatCompact(1250, 2), '1.25k');
    assert.equal(formatCompact(0.25), '0.25');
  });

  test('change and bucket labels', () => {
    assert.equal(formatChange(0.123), '+12.3%');
    assert.equal(formatChange(-0.04), '-4%');
    assert.equal(formatChange(null), '–');
    assert.equal(bucketLabel('2026-03-03', 'day'), 'Mar 3');
    assert.equal(bucketLabel('2026-03-02', 'week'), 'Mar 2', 'a week by its first day, not its ISO number');
    assert.equal(bucketTitle('2026-03-02', 'week'), 'Week of Mar 2, 2026');
    assert.equal(bucketTitle('2026-03-03', 'day'), 'Mar 3, 2026');
    assert.equal(bucketLabel('2026-03-01', 'month'), 'Mar 2026');
    assert.equal(isoWeek('2021-01-03'), '2020-W53');
    assert.equal(isoWeek('2024-12-30'), '2025-W01');
  });

  test('fitText cuts by measured width, not by characters', () => {
    const measure = (s: string) => Array.from(s).reduce((w, ch) => w + (ch.charCodeAt(0) >= 0xac00 ? 2 : 1), 0);
    assert.equal(fitText('abcdefgh', 8, measure), 'abcdefgh');
    assert.equal(fitText('abcdefgh', 5, measure), 'abcd…');
    assert.equal(fitText('서울 지점 본부', 5, measure), '서울…');
    assert.equal(fitText('abc', 0, measure), '');
  });
});

describe('line chart', () => {
  test('no points: one "no data" text and a text alternative that says so', () => {
    const chart = lineChart({ bucket: 'day', points: [] }, { ...size, title: 'Revenue per day' });
    assert.deepEqual(texts(chart), [EMPTY_TEXT]);
    assert.equal(chart.shapes.length, 1);
    assert.match(chart.description, /no data/);
  });

  test('points carry tooltips, the description names lowest, highest and total', () => {
    const chart = lineChart(days([1234, 200, 9800]), { ...size, title: 'Revenue per day', unit: 'EUR' });
    assert.deepEqual(
      of(chart, 'circle').map((c) => c.label),
      ['Mar 1, 2026: 1,234 EUR', 'Mar 2, 2026: 200 EUR', 'Mar 3, 2026: 9,800 EUR'],
    );
    assert.equal(chart.description, 'Revenue per day by day, Mar 1, 2026 to Mar 3, 2026: lowest 200 EUR on Mar 2, 2026, highest 9,800 EUR on Mar 3, 2026, total 11,234 EUR.');
    assert.ok(texts(chart).includes('10k'), 'y axis tops out at a nice 10k');
    assert.ok(texts(chart).includes('Mar 1'));
    const [line] = of(chart, 'polyline');
    assert.equal(line?.points.length, 3);
    // Higher values are higher on the chart (smaller y).
    assert.ok(line!.points[2]!.y < line!.points[0]!.y && line!.points[0]!.y < line!.points[1]!.y);
  });

  test('a single point sits in the middle, marked, without a line', () => {
    const chart = lineChart(days([42]), { ...size, title: 'Visitors' });
    assert.equal(of(chart, 'polyline').length, 0);
    const [point] = of(chart, 'circle');
    assert.ok(point?.visible);
    const grid = of(chart, 'line').filter((l) => l.y1 === l.y2);
    const left = Math.min(...grid.map((l) => l.x1));
    const right = Math.max(...grid.map((l) => l.x2));
    assert.ok(Math.abs(point!.cx - (left + right) / 2) < 0.01);
    assert.match(chart.description, /Mar 1, 2026: 42\.$/);
  });

  test('all zeros: an axis from 0 to 1, every point on the zero line', () => {
    const chart = lineChart(days([0, 0, 0]), { ...size, title: 'Visitors' });
    const zero = of(chart, 'line').find((l) => l.stroke === 'axis' && l.y1 === l.y2);
    assert.ok(zero);
    for (const c of of(chart, 'circle')) assert.equal(c.cy, zero!.y1);
    assert.ok(texts(chart).includes('1') && texts(chart).includes('0'));
    assert.match(chart.description, /every value is 0/);
  });

  test('negative values: zero stays on the axis, below-zero points under it', () => {
    const chart = lineChart(days([-300, 500]), { ...size, title: 'Balance' });
    assert.ok(texts(chart).includes('-500') || texts(chart).includes('-400'), texts(chart).join(' '));
    const zeroLabel = of(chart, 'text').find((t) => t.text === '0');
    assert.ok(zeroLabel);
    const [negative, positive] = of(chart, 'circle');
    assert.ok(negative!.cy > zeroLabel!.y - 10 && positive!.cy < zeroLabel!.y - 10);
  });

  test('weekly and monthly buckets label the axis by week and month', () => {
    const weeks = lineChart({ bucket: 'week', points: [{ date: '2026-03-02', value: 1 }, { date: '2026-03-09', value: 2 }] }, { ...size, title: 'W' });
    assert.ok(texts(weeks).includes('Mar 2') && texts(weeks).includes('Mar 9'));
    assert.equal(of(weeks, 'circle')[0]!.label, 'Week of Mar 2, 2026: 1');
    assert.deepEqual(weeks.targets[1]!.lines, ['Week of Mar 9, 2026', '2']);
    const months = lineChart({ bucket: 'month', points: [{ date: '2026-01-01', value: 1 }, { date: '2026-02-01', value: 2 }] }, { ...size, title: 'M' });
    assert.ok(texts(months).includes('Jan 2026') && texts(months).includes('Feb 2026'));
  });

  test('a long daily series thins its labels and keeps every shape inside the chart', () => {
    const points = Array.from({ length: 365 }, (_, i) => ({ date: new Date(Date.UTC(2026, 0, 1 + i)).toISOString().slice(0, 10), value: (i * 37) % 1000 }));
    const chart = lineChart({ bucket: 'day', points }, { ...size, title: 'Year' });
    const xLabels = of(chart, 'text').filter((t) => t.anchor === 'middle');
    assert.ok(xLabels.length >= 4 && xLabels.length <= 12, `${xLabels.length} date labels`);
    assert.equal(of(chart, 'circle').length, 0, 'too many points to mark: the targets carry the tooltips');
    assert.equal(chart.targets.length, 365);
    for (const s of chart.shapes) {
      const [x, y] = s.kind === 'circle' ? [s.cx, s.cy] : s.kind === 'polyline' ? [s.points[0]!.x, s.points[0]!.y] : s.kind === 'line' ? [s.x2, s.y2] : [s.x, s.y];
      assert.ok(x >= 0 && x <= size.width && y >= 0 && y <= size.height, `${s.kind} at ${x},${y}`);
    }
  });
});

describe('bar chart', () => {
  test('beyond 12 categories the smallest fold into "Other"', () => {
    const items = Array.from({ length: 15 }, (_, i) => ({ category: `C${i}`, value: 100 - i }));
    const bars = foldBreakdown(items);
    assert.equal(bars.length, 12);
    assert.deepEqual(bars.at(-1), { category: 'Other (4 categories)', value: 89 + 88 + 87 + 86, folded: 4 });
    const chart = barChart(items, { ...size, title: 'By category' });
    const rects = of(chart, 'rect');
    assert.equal(rects.length, 12);
    assert.equal(rects.at(-1)!.fill, 'other');
    assert.match(chart.description, /^By category: C0 100; C1 99; .*Other \(4 categories\) 350\. Total 1,395\.$/);
  });

  test('bars are as long as their values; long names cut, full in the tooltip', () => {
    const long = '인천 지점 (임시 매장, 2026년 상반기 운영 — 아주 긴 이름의 지점)';
    const chart = barChart([{ category: 'A', value: 1000 }, { category: long, value: 500 }], { ...size, title: 'T', unit: 'EUR' });
    const [a, b] = of(chart, 'rect');
    assert.ok(Math.abs(a!.width - 2 * b!.width) < 0.05, `${a!.width} vs ${b!.width}`);
    assert.equal(b!.label, `${long}: 500 EUR`);
    const cut = texts(chart).find((t) => t.startsWith('인천'));
    assert.ok(cut?.endsWith('…') && cut.length < long.length, cut);
    assert.ok(texts(chart).includes('1,000'), 'value label at the bar end');
  });

  test('a negative bar points left of zero, in the other colour, labelled on its left', () => {
    const chart = barChart([{ category: 'Up', value: 400 }, { category: 'Down', value: -200 }], { ...size, title: 'T' });
    const [up, down] = of(chart, 'rect');
    assert.equal(down!.fill, 'negative');
    assert.ok(Math.abs(down!.x + down!.width - up!.x) < 0.05, 'both bars start at zero');
    // One '-200' is the axis tick below; the other is the bar's value label, left of its end.
    const labels = of(chart, 'text').filter((t) => t.text === '-200');
    assert.deepEqual(labels.map((t) => t.anchor).sort(), ['end', 'middle']);
    const label = labels.find((t) => t.anchor === 'end')!;
    assert.ok(label.x < down!.x && label.y > down!.y && label.y < down!.y + down!.height);
  });

  test('no categories: the "no data" text', () => {
    assert.deepEqual(texts(barChart([], { ...size, title: 'T' })), [EMPTY_TEXT]);
  });
});

/** Every opened tag closed, in order: enough to catch a broken escape. */
function assertBalanced(svg: string): void {
  const stack: string[] = [];
  for (const [, close, name, self] of svg.matchAll(/<(\/?)([a-zA-Z]+)[^>]*?(\/?)>/g)) {
    if (self) continue;
    if (close) assert.equal(stack.pop(), name);
    else stack.push(name!);
  }
  assert.deepEqual(stack, []);
}

describe('chart SVG', () => {
  const evil = '<script>alert("x")</script> & "quotes"';
  const chart = barChart([{ category: evil, value: 3 }, { category: 'B', value: 1 }], { ...size, title: `Title ${evil}` });
  const svg = chartSvg(chart);

  test('every text escaped: no markup from data gets through', () => {
    assert.ok(!svg.includes('<script'));
    assert.ok(svg.includes('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &quot;quotes&quot;'));
    assert.equal(escapeXml('a\u0001b'), 'ab');
    assertBalanced(svg);
  });

  test('named by <title>, described by <desc>, no native tooltips', () => {
    const [, ids] = /aria-labelledby="([^"]+)"/.exec(svg) ?? [];
    const [titleId, descId] = ids!.split(' ');
    assert.match(svg, /^<svg [^>]*role="img"/);
    assert.ok(svg.includes(`<title id="${titleId}">Title &lt;script&gt;`));
    assert.ok(svg.includes(`<desc id="${descId}">${escapeXml(chart.description)}</desc>`));
    assert.equal(svg.match(/<title/g)?.length, 1, 'no <title> on bars: the page shows a real tooltip');
    const line = chartSvg(lineChart(days([1, 2, 3]), { ...size, title: 'Line' }));
    assert.equal(line.match(/<circle [^>]*class="f-series"\/>/g)?.length, 3);
    assert.notEqual(/id="([^"]+)-title"/.exec(line)?.[1], titleId?.replace(/-title$/, ''), 'two charts, two ids');
  });

  test('CSP-safe: no style attributes, no event handlers', () => {
    for (const markup of [svg, chartSvg(lineChart(days([5, -5]), { ...size, title: 'L' }))]) {
      assert.doesNotMatch(markup, /\sstyle=/);
      assert.doesNotMatch(markup, /\son[a-z]+=/i);
      assert.match(markup, /font-size="12"/, 'readable text, not 10 px');
      assert.doesNotMatch(markup, /font-size="(\d|10|11)"/);
    }
  });
});
