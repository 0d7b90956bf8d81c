/**
 * The report's fixed layout, in PDF points (1/72 inch), measured from the top of an A4 page.
 * Fixed on purpose: the same rows always give the same pages, and the page count is a pure
 * function of the row count (tests and the route can compute it without rendering).
 */
export const PAGE_WIDTH = 595.28;
export const PAGE_HEIGHT = 841.89;
export const MARGIN = 40;
export const CONTENT_WIDTH = PAGE_WIDTH - 2 * MARGIN;

/** The footer's baseline sits this far above the page's bottom edge. */
export const FOOTER_BASELINE = 24;
/** Nothing but the footer goes below this (from the top). */
export const BODY_BOTTOM = PAGE_HEIGHT - MARGIN;

/** Table pages: heading, then the header row, then the rows. */
export const TABLE_HEADING_BASELINE = MARGIN + 12;
export const TABLE_HEADER_TOP = MARGIN + 22;
export const HEADER_HEIGHT = 20;
export const ROW_HEIGHT = 17;
export const TABLE_FONT_SIZE = 9;
export const CELL_PADDING = 5;
export const ROWS_PER_PAGE = Math.floor((BODY_BOTTOM - TABLE_HEADER_TOP - HEADER_HEIGHT) / ROW_HEIGHT);

export interface Column {
  readonly key: 'date' | 'category' | 'metric' | 'value' | 'note';
  readonly title: string;
  readonly width: number;
  readonly align: 'left' | 'right';
}

const fixed = 64 + 150 + 96 + 84;
export const COLUMNS: readonly Column[] = [
  { key: 'date', title: 'Date', width: 64, align: 'left' },
  { key: 'category', title: 'Category', width: 150, align: 'left' },
  { key: 'metric', title: 'Metric', width: 96, align: 'left' },
  { key: 'value', title: 'Value', width: 84, align: 'right' },
  { key: 'note', title: 'Note', width: CONTENT_WIDTH - fixed, align: 'left' },
];

/** Pages of the table: at least one, which says so when there are no rows. */
export function tablePageCount(rows: number): number {
  return Math.max(1, Math.ceil(rows / ROWS_PER_PAGE));
}

/** Page 1 (summary and charts) and the table's pages. */
export function pageCount(rows: number): number {
  return 1 + tablePageCount(rows);
}
