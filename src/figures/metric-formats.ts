/**
 * How each metric's values are written: a unit and a number of decimal places, so that a card,
 * a tooltip, the table and the PDF print `5,911,997.20 EUR` and `13,059.82 EUR`, never
 * `5,911,997.2` beside `20,808`. An admin sets them (`metrics` table, schema 2); until then the
 * data decides: 2 places when some value has cents, 1 when tenths suffice, else 0; no unit.
 */
import type { Query } from '../db/query.ts';
import type { MetricFormat } from './types.ts';

export const MAX_DECIMALS = 4;
export const MAX_UNIT_LENGTH = 12;

/** A unit is short printable text: no control characters, no leading or trailing space. */
export function checkUnit(unit: string): string | undefined {
  if (unit.length > MAX_UNIT_LENGTH) return `the unit is at most ${MAX_UNIT_LENGTH} characters`;
  if (/[\u0000-\u001f\u007f-\u009f]/.test(unit)) return 'the unit cannot hold control characters';
  if (unit !== unit.trim()) return 'the unit cannot start or end with a space';
  return undefined;
}

export function checkDecimals(decimals: number): string | undefined {
  return Number.isInteger(decimals) && decimals >= 0 && decimals <= MAX_DECIMALS ? undefined : `decimals must be a whole number from 0 to ${MAX_DECIMALS}`;
}

/** The places the data needs (up to 2): one pass along the metric's records, stopping at the first value that needs cents. */
export function decimalsFromData(q: Query, metric: string): number {
  const row = q.get<{ two: number; one: number }>(
    `SELECT EXISTS (SELECT 1 FROM records WHERE metric = ?1 AND value <> ROUND(value, 1)) AS two,
            EXISTS (SELECT 1 FROM records WHERE metric = ?1 AND value <> ROUND(value)) AS one`,
    [metric],
  );
  return row?.two ? 2 : row?.one ? 1 : 0;
}

interface FormatRow {
  metric: string;
  unit: string;
  decimals: number | null;
  [column: string]: string | number | null;
}

/** One metric's format: the stored one, the data filling the gaps. */
export function readFormat(q: Query, metric: string): MetricFormat {
  const row = q.get<FormatRow>('SELECT metric, unit, decimals FROM metrics WHERE metric = ?', [metric]);
  const decimals = row?.decimals ?? decimalsFromData(q, metric);
  return { metric, unit: row?.unit ?? '', decimals, set: row !== undefined };
}

/** Every metric with data or a stored format. */
export function readFormats(q: Query, metrics: readonly string[]): MetricFormat[] {
  const stored = q.all<FormatRow>('SELECT metric FROM metrics').map((r) => r.metric);
  return [...new Set([...metrics, ...stored])].sort((a, b) => a.localeCompare(b)).map((metric) => readFormat(q, metric));
}

/** `null` unit or decimals: back to the default from the data; both null forgets the metric. */
export function writeFormat(q: Query, metric: string, unit: string | null, decimals: number | null): void {
  if (unit === null && decimals === null) {
    q.run('DELETE FROM metrics WHERE metric = ?', [metric]);
    return;
  }
  q.run('INSERT INTO metrics (metric, unit, decimals) VALUES (?, ?, ?) ON CONFLICT (metric) DO UPDATE SET unit = excluded.unit, decimals = excluded.decimals', [
    metric,
    unit ?? '',
    decimals,
  ]);
}
