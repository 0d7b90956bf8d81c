/**
 * The dashboard's filters from a query string (the names the page keeps in its URL), checked
 * against what the data holds. Pure: the caller passes the options and today's date; a bad value
 * throws FilterError naming the field, which the API turns into a `400` the page can point at.
 */
import { addDays, addYears, isIsoDate } from './dates.ts';
import { SORT_COLUMNS, type Bucket, type FilterOptions, type Filters, type SeriesRequest, type SortColumn, type TableRequest } from './types.ts';

export class FilterError extends Error {
  readonly field: string;
  constructor(field: string, message: string) {
    super(message);
    this.name = 'FilterError';
    this.field = field;
  }
}

type QueryValues = Readonly<Record<string, string | undefined>>;

/** The default view: the last 90 days with data. */
export const DEFAULT_DAYS = 90;
export const MAX_YEARS = 10;
export const DEFAULT_PAGE_SIZE = 25;
export const MAX_PAGE_SIZE = 200;

function given(query: QueryValues, name: string): string | undefined {
  const value = query[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

/** The words a person reads for each field (the page shows them beside it). */
const NAMES = { from: 'start date', to: 'end date', category: 'category', metric: 'metric' } as const;

function day(query: QueryValues, field: 'from' | 'to'): string | undefined {
  const value = given(query, field);
  if (value !== undefined && !isIsoDate(value)) {
    throw new FilterError(field, `The ${NAMES[field]} \u201c${value.slice(0, 40)}\u201d is not a day of the calendar. Pick one, or write it as YYYY-MM-DD (for example 2026-03-01).`);
  }
  return value;
}

function known(query: QueryValues, field: 'category' | 'metric', values: readonly string[]): string | undefined {
  const value = given(query, field)?.normalize('NFC');
  if (value !== undefined && !values.includes(value)) {
    throw new FilterError(field, `There are no figures for the ${NAMES[field]} \u201c${value.slice(0, 100)}\u201d. Choose one from the list.`);
  }
  return value;
}

export function parseFilters(query: QueryValues, options: FilterOptions, today: string): Filters {
  const to = day(query, 'to') ?? options.lastDate ?? today;
  const from = day(query, 'from') ?? addDays(to, -(DEFAULT_DAYS - 1));
  if (from > to) throw new FilterError('from', `The start date (${from}) is after the end date (${to}). Pick a start on or before the end.`);
  if (to >= addYears(from, MAX_YEARS)) throw new FilterError('from', `The period from ${from} to ${to} is longer than ${MAX_YEARS} years. Pick a later start date.`);
  const category = known(query, 'category', options.categories) ?? null;
  // Values of different metrics do not add up: a view always shows exactly one.
  const metric = known(query, 'metric', options.metrics) ?? options.metrics[0] ?? '';
  return { from, to, category, metric };
}

function whole(query: QueryValues, field: string, fallback: number, min: number, max: number): number {
  const value = given(query, field);
  if (value === undefined) return fallback;
  const number = /^\d{1,9}$/.test(value) ? Number(value) : Number.NaN;
  if (!(number >= min && number <= max)) throw new FilterError(field, `${field} must be a whole number from ${min} to ${max.toLocaleString('en')}`);
  return number;
}

export function parseTableRequest(query: QueryValues): TableRequest {
  const page = whole(query, 'page', 1, 1, 1_000_000);
  const pageSize = whole(query, 'pageSize', DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE);
  const sortText = given(query, 'sort') ?? 'date';
  if (!(SORT_COLUMNS as readonly string[]).includes(sortText)) throw new FilterError('sort', `sort must be one of ${SORT_COLUMNS.join(', ')}`);
  const dir = given(query, 'dir') ?? 'desc';
  if (dir !== 'asc' && dir !== 'desc') throw new FilterError('dir', 'dir must be asc or desc');
  return { page, pageSize, sort: sortText as SortColumn, dir };
}

const INTERVALS: readonly string[] = ['day', 'week', 'month'];

const LINES: readonly string[] = ['total', 'categories', 'previous'];

/** `interval=day|week|month` (absent or `auto`: chosen from the range's length); `lines=categories` adds a line per category. */
export function parseSeriesRequest(query: QueryValues): SeriesRequest {
  const interval = given(query, 'interval');
  const lines = given(query, 'lines');
  if (interval !== undefined && interval !== 'auto' && !INTERVALS.includes(interval)) throw new FilterError('interval', 'The interval must be day, week, month or auto.');
  if (lines !== undefined && !LINES.includes(lines)) throw new FilterError('lines', 'The lines to draw must be total, categories or previous.');
  return {
    ...(interval === undefined || interval === 'auto' ? {} : { interval: interval as Bucket }),
    ...(lines === 'categories' ? { byCategory: true } : {}),
  };
}

/** The table's order alone (`sort`, `dir`), for the report and the export. */
export function parseOrder(query: QueryValues): Pick<TableRequest, 'sort' | 'dir'> {
  const { sort, dir } = parseTableRequest({ sort: query.sort, dir: query.dir });
  return { sort, dir };
}
