/**
 * The shapes shared by the figures database, the dashboard API, the page and the PDF report.
 * One definition, so the JSON the page reads and the report it prints cannot drift apart.
 * Dates are ISO calendar days (`2026-03-31`): figures are daily, and time zones stay out of it.
 */

/** What a view shows: validated, with defaults applied (see filters.ts). */
export interface Filters {
  /** First day, inclusive. */
  readonly from: string;
  /** Last day, inclusive. */
  readonly to: string;
  /** One category, or every category when null. */
  readonly category: string | null;
  /** Values of different metrics (visitors, revenue) do not add up: a view shows one metric. */
  readonly metric: string;
}

/** What the filters can be set to: everything present in the data. */
export interface FilterOptions {
  readonly categories: readonly string[];
  readonly metrics: readonly string[];
  /** The first and last day with data; null when there is no data. */
  readonly firstDate: string | null;
  readonly lastDate: string | null;
}

export interface Summary {
  /** Sum of values in the period. */
  readonly total: number;
  /** Average per day with data (0 when none). */
  readonly average: number;
  /** Number of records in the period. */
  readonly count: number;
  /** The period of the same length just before `from`. */
  readonly previous: { readonly from: string; readonly to: string; readonly total: number };
  /** (total - previous.total) / previous.total; null when the previous total is 0. */
  readonly change: number | null;
}

/** Series granularity: days for short ranges, then weeks, then months, so a chart stays legible. */
export type Bucket = 'day' | 'week' | 'month';

export interface SeriesPoint {
  /** First day of the bucket. */
  readonly date: string;
  readonly value: number;
}

export interface Series {
  readonly bucket: Bucket;
  readonly points: readonly SeriesPoint[];
}

export interface BreakdownItem {
  readonly category: string;
  readonly value: number;
}

/** Everything the dashboard's cards and charts need, in one answer. */
export interface FiguresView {
  readonly filters: Filters;
  readonly options: FilterOptions;
  readonly summary: Summary;
  readonly series: Series;
  /** Largest first. */
  readonly breakdown: readonly BreakdownItem[];
}

export interface RecordRow {
  readonly date: string;
  readonly category: string;
  readonly metric: string;
  readonly value: number;
  readonly note: string | null;
}

export const SORT_COLUMNS = ['date', 'category', 'metric', 'value'] as const;
export type SortColumn = (typeof SORT_COLUMNS)[number];
export type SortDirection = 'asc' | 'desc';

export interface TableRequest {
  /** 1-based. */
  readonly page: number;
  readonly pageSize: number;
  readonly sort: SortColumn;
  readonly dir: SortDirection;
}

export interface TablePage extends TableRequest {
  readonly rows: readonly RecordRow[];
  /** Rows matching the filters, over all pages. */
  readonly total: number;
}

/** One line of a CSV file that cannot be imported, and why (line numbers are the file's, 1-based). */
export interface ImportProblem {
  readonly line: number;
  readonly reason: string;
}

export interface ImportSummary {
  readonly id: number;
  /** Unix seconds. */
  readonly at: number;
  readonly actor: string;
  readonly filename: string;
  readonly rows: number;
  /** Records of the same period, categories and metrics that this import replaced. */
  readonly replaced: number;
  readonly from: string;
  readonly to: string;
}
