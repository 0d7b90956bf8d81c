/**
 * A deterministic ReportInput of any size for the PDF tests and the `pdf` benchmark: Korean and
 * Latin categories, a category name too long for its column, notes long and absent, negatives.
 */
import type { ReportInput } from '../../src/reports/report.ts';
import type { BreakdownItem, RecordRow, SeriesPoint } from '../../src/figures/types.ts';

export const CATEGORIES = [
  '서울 지점',
  '부산 지점',
  'Online shop',
  '대구 지점',
  'Membership fees & donations',
  '인천 지점 (임시 매장, 2026년 상반기 운영 — 아주 긴 이름의 지점)',
] as const;

const DAY_MS = 86_400_000;
const day = (n: number) => new Date(Date.UTC(2026, 0, 1) + n * DAY_MS).toISOString().slice(0, 10);

export function sampleRows(count: number): RecordRow[] {
  const rows: RecordRow[] = [];
  for (let i = 0; i < count; i += 1) {
    const category = CATEGORIES[i % CATEGORIES.length]!;
    const value = i % 97 === 13 ? -((i * 37) % 500) : ((i * 7919) % 10_000) + (i % 4) * 0.25;
    const note = i % 3 === 0 ? null : i % 3 === 1 ? `메모 ${i}` : `A long note about row ${i} that keeps going well past the width of its column, so it must be cut`;
    rows.push({ date: day(Math.floor((i * 90) / Math.max(1, count))), category, metric: 'revenue', value, note });
  }
  return rows;
}

export function sampleInput(count: number, overrides: Partial<ReportInput> = {}): ReportInput {
  const rows = sampleRows(count);
  const byDay = new Map<string, number>();
  const byCategory = new Map<string, number>();
  let total = 0;
  for (const row of rows) {
    byDay.set(row.date, (byDay.get(row.date) ?? 0) + row.value);
    byCategory.set(row.category, (byCategory.get(row.category) ?? 0) + row.value);
    total += row.value;
  }
  const points: SeriesPoint[] = [...byDay].map(([date, value]) => ({ date, value }));
  const breakdown: BreakdownItem[] = [...byCategory].map(([category, value]) => ({ category, value })).sort((a, b) => b.value - a.value);
  const filters = { from: '2026-01-01', to: '2026-03-31', category: null, metric: 'revenue' };
  return {
    title: '회원 대시보드 보고서 — Revenue',
    organisation: 'Example Society 예시 협회',
    generatedBy: 'alice',
    generatedAt: new Date(Date.UTC(2026, 10, 27, 14, 3, 12)),
    filters,
    view: {
      filters,
      options: { categories: [...CATEGORIES], metrics: ['revenue'], firstDate: '2026-01-01', lastDate: '2026-03-31' },
      summary: {
        total,
        average: byDay.size === 0 ? 0 : total / byDay.size,
        count: rows.length,
        previous: { from: '2025-10-03', to: '2025-12-31', total: total * 0.8 },
        change: 0.25,
        comparison: { status: 'compared', currentTo: '2026-03-31', currentTotal: total },
      },
      series: { bucket: 'day', points },
      breakdown,
      coverage: { first: '2025-06-01', last: '2026-03-31' },
      format: { metric: 'revenue', unit: 'EUR', decimals: 2, set: true },
      today: '2026-11-27',
    },
    rows,
    ...overrides,
  };
}
