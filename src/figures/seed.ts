/**
 * Sample figures for development and demonstrations: a year of daily records over four
 * categories (Korean names included, to exercise fonts and sorting) and three metrics, with a
 * weekly rhythm, a trend, noise and the odd note. Randomness is injected; the default is a
 * fixed-seed generator, so every fresh development database holds the same data.
 */
import { addDays, isoWeekday } from './dates.ts';
import type { ParsedRecord } from './csv-fields.ts';
import type { Figures } from './figures.ts';
import type { ImportSummary } from './types.ts';

interface Branch {
  readonly name: string;
  /** Visitors on an ordinary weekday at the start of the period. */
  readonly visitors: number;
  /** Multipliers for Monday … Sunday. */
  readonly week: readonly number[];
  /** Average spend per visitor. */
  readonly spend: number;
  readonly members: number;
}

const BRANCHES: readonly Branch[] = [
  { name: '서울 지점', visitors: 420, week: [0.9, 0.95, 1, 1, 1.1, 1.3, 0.6], spend: 38.5, members: 5200 },
  { name: '부산 지점', visitors: 260, week: [0.9, 0.95, 1, 1, 1.15, 1.35, 0.55], spend: 31.2, members: 2900 },
  { name: '온라인', visitors: 1300, week: [1, 0.95, 0.95, 1, 1.05, 1.4, 1.5], spend: 12.8, members: 8100 },
  { name: 'Head office', visitors: 40, week: [1.1, 1, 1, 1, 0.9, 0.05, 0.02], spend: 55, members: 300 },
];

const NOTES = ['설 연휴', 'Holiday opening hours', 'Promotion week', '정기 점검', 'Heavy rain', 'Website maintenance', '신규 회원 이벤트'];

/** mulberry32: a small, well-mixed generator for reproducible sample data (never for secrets). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

export interface SampleOptions {
  /** The last day, YYYY-MM-DD. */
  readonly endDate: string;
  readonly days?: number;
  readonly random: () => number;
}

/** Sorted by date, then category, then metric. */
export function sampleRecords(options: SampleOptions): ParsedRecord[] {
  const days = options.days ?? 365;
  const { random } = options;
  const noise = (spread: number): number => 1 + (random() * 2 - 1) * spread;
  const start = addDays(options.endDate, -(days - 1));
  const records: ParsedRecord[] = [];
  for (let i = 0; i < days; i += 1) {
    const date = addDays(start, i);
    const trend = 1 + 0.18 * (i / Math.max(1, days - 1)); // a growing year
    const season = 1 + 0.08 * Math.sin((2 * Math.PI * i) / 365); // a mild yearly wave
    BRANCHES.forEach((branch) => {
      const visitors = Math.max(0, Math.round(branch.visitors * branch.week[isoWeekday(date)]! * trend * season * noise(0.12)));
      const revenue = Math.round(visitors * branch.spend * noise(0.15) * 100) / 100;
      // A daily count, like the others: a running total (members on the books) would add up to nonsense.
      const joined = Math.max(0, Math.round(visitors * 0.01 * branch.members * 0.0004 * noise(0.8)));
      const note = random() < 0.015 ? NOTES[Math.floor(random() * NOTES.length)]! : null;
      records.push(
        { date, category: branch.name, metric: 'new members', value: joined, note: null },
        { date, category: branch.name, metric: 'revenue', value: revenue, note },
        { date, category: branch.name, metric: 'visitors', value: visitors, note: null },
      );
    });
  }
  return records.sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : a.category.localeCompare(b.category) || a.metric.localeCompare(b.metric)));
}

export interface SeedOptions {
  readonly endDate: string;
  readonly days?: number;
  /** A fixed-seed generator when omitted. */
  readonly random?: () => number;
  readonly actor?: string;
}

/**
 * Imports the sample year only into an empty database. Several processes may start at once:
 * the emptiness check happens inside the write, so exactly one of them imports.
 */
export async function seedIfEmpty(figures: Figures, options: SeedOptions): Promise<ImportSummary | undefined> {
  if ((await figures.count()) > 0) return undefined; // the usual case, without building a year of records
  const records = sampleRecords({ endDate: options.endDate, days: options.days ?? 365, random: options.random ?? seededRandom(20_240_601) });
  return figures.importIfEmpty(records, { actor: options.actor ?? 'system', filename: 'sample data' });
}
