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
  /**
   * The days of the period before `from` that are compared: the same length, or, when the data
   * ends inside the current period (`comparison.currentTo` before `to`), as many days as the
   * current period has up to its newest record, so a half-filled period is never set against a
   * whole one.
   */
  readonly previous: { readonly from: string; readonly to: string; readonly total: number };
  /** (current - previous.total) / previous.total over the compared days; null unless `comparison.status` is `compared`. */
  readonly change: number | null;
  readonly comparison: Comparison;
}

/**
 * Whether the change means anything. `before-data`: the previous period starts before the first
 * record of this metric (and category), so most of it is no data rather than zero; `zero`: the
 * previous total is 0 (a ratio would be infinite); `no-data`: nothing in the current period.
 */
export type ComparisonStatus = 'compared' | 'before-data' | 'zero' | 'no-data';

export interface Comparison {
  readonly status: ComparisonStatus;
  /** The last day of the current period that is compared: `to`, or the newest record's day when that is earlier. */
  readonly currentTo: string;
  /** The current period's total over `from` … `currentTo`. */
  readonly currentTotal: number;
}

/** The days this metric (and category, when one is chosen) has data for, over all time. */
export interface Coverage {
  /** "figures start on …"; null when there is no record. */
  readonly first: string | null;
  /** "figures up to …": the newest record's day. */
  readonly last: string | null;
}

/** How a metric's values are written: set by an admin, else guessed from the data. */
export interface MetricFormat {
  readonly metric: string;
  /** Printed after values (`1,234 EUR`); empty for none. */
  readonly unit: string;
  /** Decimal places, 0 to 4: every value of the metric is printed with exactly these. */
  readonly decimals: number;
  /** True when an admin set it; false when it is the default from the data. */
  readonly set: boolean;
}

/** Series granularity: days for short ranges, then weeks, then months, so a chart stays legible. */
export type Bucket = 'day' | 'week' | 'month';

export interface SeriesPoint {
  /** First day of the bucket. */
  readonly date: string;
  readonly value: number;
  /**
   * Present when the bucket is not whole: cut by the range (a week or month that starts before
   * `from` or ends after `to`), by the data (before its first or after its newest record), or
   * holding today. `from`–`to` are the days it sums, `days` of the bucket's `of`; `days` 0 means
   * no data at all (drawn as a gap, not as zero). A partial bucket is drawn apart and never
   * compared as a whole one.
   */
  readonly partial?: PartialBucket;
}

export interface PartialBucket {
  readonly from: string;
  readonly to: string;
  readonly days: number;
  readonly of: number;
  /** The bucket holds today, whose figures may still grow. */
  readonly today?: true;
}

/** The previous period's value for the bucket at the same place; null where it has no data. */
export type PreviousPoint = SeriesPoint | null;

/** One category's line; values aligned with `Series.points`. */
export interface CategoryLine {
  readonly category: string;
  /** How many categories this line sums ("Other"); 0 for a category of its own. */
  readonly folded: number;
  readonly values: readonly number[];
}

export interface Series {
  readonly bucket: Bucket;
  /** The bucket the range gets when no interval is asked for. */
  readonly auto?: Bucket;
  readonly points: readonly SeriesPoint[];
  /** The period before, bucket by bucket, aligned with `points` (same length). */
  readonly previous?: readonly PreviousPoint[];
  /** A line per category (the largest few, the rest as "Other") when asked for (`lines=categories`), no category is chosen and there are several. */
  readonly byCategory?: readonly CategoryLine[];
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
  /**
   * Every category of the metric over the period, largest first, whichever category is chosen
   * (the chosen one is `filters.category`), so the chart can show it among the others.
   */
  readonly breakdown: readonly BreakdownItem[];
  /** The data's days for this metric and category: where comparisons stop and "figures up to …". */
  readonly coverage: Coverage;
  readonly format: MetricFormat;
  /** The day the server counts as today (UTC): its bucket is partial. */
  readonly today: string;
}

/** Series options beyond the filters: the interval (`auto` when omitted), and whether to add the lines per category (they cost a pass over the records). */
export interface SeriesRequest {
  readonly interval?: Bucket;
  readonly byCategory?: boolean;
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
