/**
 * The dashboard's state lives in its URL (`?from=&to=&category=&metric=&sort=&dir=&page=`), so
 * a view can be bookmarked, shared, reloaded, and walked with back/forward. `interval` (the
 * series' bucket) is asked of the server with the filters; `lines` (what the line chart draws)
 * is the page's own.
 */
import type { SortColumn, SortDirection } from '../../src/figures/types.ts';
import type { LineMode } from '../../src/charts/chart.ts';

export interface ViewState {
  readonly from?: string;
  readonly to?: string;
  /** Absent: all categories. */
  readonly category?: string;
  readonly metric?: string;
  readonly sort?: SortColumn;
  readonly dir?: SortDirection;
  readonly page?: number;
  /** day, week or month; absent: chosen from the range. */
  readonly interval?: string;
  /** total, categories or previous; absent: a line per category when none is chosen. */
  readonly lines?: LineMode;
}

const FILTERS = ['from', 'to', 'category', 'metric', 'interval'] as const;
const LINES: readonly string[] = ['total', 'categories', 'previous'];
const SORTS: readonly string[] = ['date', 'category', 'metric', 'value'];

export function readState(search: string): ViewState {
  const query = new URLSearchParams(search);
  const state: Record<string, string | number> = {};
  for (const name of FILTERS) {
    const value = query.get(name);
    if (value !== null && value !== '') state[name] = value;
  }
  const sort = query.get('sort');
  if (sort !== null && SORTS.includes(sort)) state.sort = sort;
  const dir = query.get('dir');
  if (dir === 'asc' || dir === 'desc') state.dir = dir;
  const lines = query.get('lines');
  if (lines !== null && LINES.includes(lines)) state.lines = lines;
  const page = Number(query.get('page'));
  if (Number.isSafeInteger(page) && page > 1) state.page = page;
  return state as ViewState;
}

/** The filter parameters only (what the figures depend on). */
export function filterQuery(state: ViewState): URLSearchParams {
  const query = new URLSearchParams();
  for (const name of FILTERS) {
    const value = state[name];
    if (value !== undefined && value !== '') query.set(name, value);
  }
  return query;
}

/** Everything, for the URL bar; defaults are left out so URLs stay short. */
export function stateQuery(state: ViewState): string {
  const query = filterQuery(state);
  if (state.sort !== undefined) query.set('sort', state.sort);
  if (state.dir !== undefined) query.set('dir', state.dir);
  if (state.page !== undefined && state.page > 1) query.set('page', String(state.page));
  if (state.lines !== undefined) query.set('lines', state.lines);
  const text = query.toString();
  return text === '' ? '' : `?${text}`;
}

export function sameFilters(a: ViewState, b: ViewState): boolean {
  return FILTERS.every((name) => (a[name] ?? '') === (b[name] ?? ''));
}
