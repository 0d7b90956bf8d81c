/**
 * The figures: daily records of (date, category, metric, value, note) in their own database
 * file, behind atomic intents. Reads see another process's import on their next call
 * (DatabaseFile reloads a changed file); an import is one write, whole or not at all.
 */
import type { DatabaseFile } from '../db/db-file.ts';
import type { ParsedRecord } from './csv-fields.ts';
import { countRecords, insertImport, listImports, type ImportMeta } from './imports.ts';
import { isoDay } from './dates.ts';
import { readFormat, readFormats, writeFormat } from './metric-formats.ts';
import { readOptions, readView } from './queries.ts';
import { readRows, readTable } from './table.ts';
import type { FilterOptions, Filters, FiguresView, ImportSummary, MetricFormat, RecordRow, SeriesRequest, TablePage, TableRequest } from './types.ts';

export type { ImportMeta } from './imports.ts';
export type { ParsedRecord } from './csv-fields.ts';

export interface Figures {
  /** Loads sql.js and the file now rather than on first use. */
  ready(): Promise<void>;
  options(): Promise<FilterOptions>;
  /** `request.interval`: the series' bucket (chosen from the range when omitted). */
  view(filters: Filters, request?: SeriesRequest): Promise<FiguresView>;
  table(filters: Filters, request: TableRequest): Promise<TablePage>;
  /** Every matching record, oldest first (then by category) or in a table's `order`, for the PDF report and the CSV export. */
  rows(filters: Filters, limit?: number, order?: Pick<TableRequest, 'sort' | 'dir'>): Promise<RecordRow[]>;
  /** Every metric's unit and decimal places (stored, or the default from the data). */
  metricFormats(): Promise<MetricFormat[]>;
  /** Sets a metric's unit and places; null returns that part to the default. */
  setMetricFormat(metric: string, unit: string | null, decimals: number | null): Promise<MetricFormat>;
  /** Replaces the file's period for its (category, metric) pairs, then inserts: all or nothing. */
  importRecords(rows: readonly ParsedRecord[], meta: ImportMeta): Promise<ImportSummary>;
  /** The same, only if there is no record at all (checked inside the write): undefined otherwise. */
  importIfEmpty(rows: readonly ParsedRecord[], meta: ImportMeta): Promise<ImportSummary | undefined>;
  /** Newest first. */
  listImports(limit?: number): Promise<ImportSummary[]>;
  count(): Promise<number>;
}

/** `now`: unix seconds. */
export function createFigures(file: DatabaseFile, now: () => number): Figures {
  // The options and the views are remembered per version of the file (readMemo): computed once
  // per import, whichever process made it.
  return {
    ready: () => file.ready(),
    options: () => file.readMemo('options', (q) => readOptions(q)),
    view: (filters, request = {}) => {
      // Today is part of the answer (its bucket is partial): a new day is a new view.
      const today = isoDay(now() * 1000);
      const key = `view\u0000${filters.metric}\u0000${filters.category ?? ''}\u0000${filters.from}\u0000${filters.to}\u0000${request.interval ?? ''}\u0000${request.byCategory === true}\u0000${today}`;
      return file.readMemo(key, (q, memo) => {
        const options = memo('options', () => readOptions(q));
        const format = memo(`format\u0000${filters.metric}`, () => readFormat(q, filters.metric));
        return readView(q, filters, { options, format, today, request });
      });
    },
    table: (filters, request) => file.read((q) => readTable(q, filters, request)),
    rows: (filters, limit, order) => file.read((q) => readRows(q, filters, limit, order)),
    metricFormats: () => file.readMemo('formats', (q, memo) => readFormats(q, memo('options', () => readOptions(q)).metrics)),
    setMetricFormat: (metric, unit, decimals) =>
      file.write((q) => {
        writeFormat(q, metric, unit, decimals);
        return readFormat(q, metric);
      }),
    importRecords: (rows, meta) => file.write((q) => insertImport(q, rows, meta, now())),
    importIfEmpty: (rows, meta) => file.write((q) => (countRecords(q) > 0 ? undefined : insertImport(q, rows, meta, now()))),
    listImports: (limit = 50) => file.read((q) => listImports(q, limit)),
    count: () => file.read((q) => countRecords(q)),
  };
}
