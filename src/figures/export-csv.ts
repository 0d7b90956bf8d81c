/**
 * The records of a view as a CSV file (RFC 4180: CRLF, quoted text, a UTF-8 byte order mark so
 * that Excel reads Korean names), safe to open in a spreadsheet: a text cell that starts with
 * `=`, `+`, `-`, `@`, a tab or a carriage return would be run as a formula (CSV injection,
 * OWASP), so it gets a leading apostrophe and comes out as inert text. Values are written as
 * plain numbers (no grouping, full precision): a number is never a formula.
 */
import type { MetricFormat, RecordRow } from './types.ts';

const FORMULA_START = /^[=+\-@\t\r]/;

/** A text cell: defused, then always quoted (commas, quotes and line breaks stay inside it). */
export function csvText(text: string): string {
  const inert = FORMULA_START.test(text) ? `'${text}` : text;
  return `"${inert.replace(/"/g, '""')}"`;
}

/** A value as the file's number: `1234.5`, never `1,234.50` (a spreadsheet reads it as a number in any locale's import dialog). */
export function csvNumber(value: number): string {
  return Number.isFinite(value) ? String(value) : '';
}

export function recordsCsv(rows: readonly RecordRow[], format: Pick<MetricFormat, 'unit'>): string {
  const valueHeader = format.unit === '' ? 'value' : `value (${format.unit})`;
  const lines = [['date', 'category', 'metric', valueHeader, 'note'].map(csvText).join(',')];
  for (const row of rows) {
    lines.push([csvText(row.date), csvText(row.category), csvText(row.metric), csvNumber(row.value), csvText(row.note ?? '')].join(','));
  }
  return `\ufeff${lines.join('\r\n')}\r\n`;
}
