/**
 * The report's table pages: every row of the view, ROWS_PER_PAGE to a page, the header row
 * repeated on each, zebra stripes, values right-aligned, text cut to its column by measured
 * width with an ellipsis (a cell is one line, so the page count is known in advance).
 */
import type { PDFPage } from 'pdf-lib';
import { fitText, formatNumber } from '../charts/format.ts';
import type { MetricFormat, RecordRow, TableRequest } from '../figures/types.ts';
import {
  CELL_PADDING,
  COLUMNS,
  type Column,
  CONTENT_WIDTH,
  HEADER_HEIGHT,
  MARGIN,
  ROW_HEIGHT,
  ROWS_PER_PAGE,
  TABLE_FONT_SIZE,
  TABLE_HEADER_TOP,
  TABLE_HEADING_BASELINE,
} from './layout.ts';
import { clean, colour, drawText, type Face, type Faces, fromTop } from './text.ts';

const ZEBRA = '#f6f8fa';
const HEADER_FILL = '#eaeef2';
const RULE = '#d0d7de';

/** Left edges of the columns. */
const LEFTS = COLUMNS.reduce<number[]>((acc, col, i) => [...acc, i === 0 ? MARGIN : acc[i - 1]! + COLUMNS[i - 1]!.width], []);

function cellText(row: RecordRow, column: Column, decimals: number): string {
  switch (column.key) {
    case 'value':
      return formatNumber(row.value, decimals, decimals);
    case 'note':
      return row.note ?? '';
    default:
      return row[column.key];
  }
}

/** Cuts cell text to its column; categories and metrics repeat, so each is measured once. */
function createFitter(face: Face) {
  const memo = new Map<string, string>();
  return (text: string, column: Column): string => {
    const key = `${column.key}\u0000${text}`;
    let fitted = memo.get(key);
    if (fitted === undefined) {
      fitted = fitText(clean(text), column.width - 2 * CELL_PADDING, (s) => face.width(s, TABLE_FONT_SIZE));
      if (column.key !== 'note') memo.set(key, fitted);
    }
    return fitted;
  };
}

function drawCell(page: PDFPage, face: Face, text: string, column: Column, left: number, baseline: number, color = colour('ink')): void {
  const right = column.align === 'right';
  const x = right ? left + column.width - CELL_PADDING : left + CELL_PADDING;
  drawText(page, face, text, { x, y: baseline, size: TABLE_FONT_SIZE, anchor: right ? 'end' : 'start', color });
}

export interface TablePage {
  readonly page: PDFPage;
  /** 0-based index of this page among the table's pages. */
  readonly index: number;
}

const ORDER_WORDS: Readonly<Record<TableRequest['sort'], readonly [string, string]>> = {
  date: ['oldest first', 'newest first'],
  category: ['A to Z', 'Z to A'],
  metric: ['A to Z', 'Z to A'],
  value: ['smallest first', 'largest first'],
};

/** "sorted by value, largest first", as the page's table was. */
export function orderText(order: Pick<TableRequest, 'sort' | 'dir'> | undefined): string {
  if (order === undefined) return 'oldest first';
  return `sorted by ${order.sort}, ${ORDER_WORDS[order.sort][order.dir === 'asc' ? 0 : 1]}`;
}

export function createTableWriter(rows: readonly RecordRow[], faces: Faces, format: Pick<MetricFormat, 'decimals' | 'unit'>, order?: Pick<TableRequest, 'sort' | 'dir'>) {
  const fit = createFitter(faces.regular);
  const { decimals } = format;

  return function drawTablePage({ page, index }: TablePage): void {
    const first = index * ROWS_PER_PAGE;
    const slice = rows.slice(first, first + ROWS_PER_PAGE);
    drawText(page, faces.bold, 'Records', { x: MARGIN, y: fromTop(TABLE_HEADING_BASELINE), size: 12 });
    const range = rows.length === 0 ? 'no rows' : `rows ${formatNumber(first + 1, 0)}–${formatNumber(first + slice.length, 0)} of ${formatNumber(rows.length, 0)}, ${orderText(order)}`;
    drawText(page, faces.regular, range, { x: MARGIN + CONTENT_WIDTH, y: fromTop(TABLE_HEADING_BASELINE), size: 9, anchor: 'end', color: colour('muted') });

    page.drawRectangle({ x: MARGIN, y: fromTop(TABLE_HEADER_TOP + HEADER_HEIGHT), width: CONTENT_WIDTH, height: HEADER_HEIGHT, color: colour(HEADER_FILL) });
    const headerBaseline = fromTop(TABLE_HEADER_TOP + 13.5);
    COLUMNS.forEach((column, i) => {
      const unit = column.key === 'value' && format.unit !== '' ? ` (${format.unit})` : '';
      drawCell(page, faces.bold, fit(`${column.title}${unit}`, column), column, LEFTS[i]!, headerBaseline);
    });

    const bodyTop = TABLE_HEADER_TOP + HEADER_HEIGHT;
    if (slice.length === 0) {
      drawText(page, faces.regular, 'No records match these filters.', { x: MARGIN + CELL_PADDING, y: fromTop(bodyTop + 12), size: TABLE_FONT_SIZE, color: colour('muted') });
    }
    slice.forEach((row, i) => {
      const top = bodyTop + i * ROW_HEIGHT;
      // Stripes follow the row's place in the whole table, so they continue across pages.
      if ((first + i) % 2 === 1) {
        page.drawRectangle({ x: MARGIN, y: fromTop(top + ROW_HEIGHT), width: CONTENT_WIDTH, height: ROW_HEIGHT, color: colour(ZEBRA) });
      }
      const baseline = fromTop(top + 11.8);
      COLUMNS.forEach((column, c) => {
        const raw = cellText(row, column, decimals);
        const text = column.key === 'value' || column.key === 'date' ? raw : fit(raw, column);
        drawCell(page, faces.regular, text, column, LEFTS[c]!, baseline);
      });
    });
    const bottom = bodyTop + Math.max(1, slice.length) * ROW_HEIGHT;
    page.drawLine({ start: { x: MARGIN, y: fromTop(bottom) }, end: { x: MARGIN + CONTENT_WIDTH, y: fromTop(bottom) }, thickness: 0.5, color: colour(RULE) });
  };
}
