/** The records themselves: a sorted page for the dashboard's table, and every row for the PDF report. */
import type { Query } from '../db/query.ts';
import { where } from './queries.ts';
import type { Filters, RecordRow, SortColumn, TablePage, TableRequest } from './types.ts';

// Column names come from this table only, never from the request: no SQL is built from input.
const ORDER_BY: Readonly<Record<SortColumn, string>> = {
  date: 'date',
  category: 'category',
  metric: 'metric',
  value: 'value',
};
/** After the chosen column, a fixed order, so that equal values never swap places between pages. */
const THEN = 'date DESC, category ASC, metric ASC';

const COLUMNS = 'date, category, metric, value, note';

interface SqlRecord {
  date: string;
  category: string;
  metric: string;
  value: number;
  note: string | null;
  [column: string]: string | number | null;
}

function toRow(row: SqlRecord): RecordRow {
  return { date: row.date, category: row.category, metric: row.metric, value: row.value, note: row.note };
}

export function readTable(q: Query, filters: Filters, request: TableRequest): TablePage {
  const { sql, params } = where(filters);
  const total = q.get<{ n: number }>(`SELECT COUNT(*) AS n FROM records WHERE ${sql}`, params)?.n ?? 0;
  // A page past the end (an old bookmark, ?page=9999) is the last page, said as such in the answer.
  const page = Math.min(request.page, Math.max(1, Math.ceil(total / request.pageSize)));
  const offset = (page - 1) * request.pageSize;
  const rows =
    offset >= total
      ? []
      : q
          .all<SqlRecord>(
            `SELECT ${COLUMNS} FROM records WHERE ${sql} ORDER BY ${ORDER_BY[request.sort]} ${request.dir === 'asc' ? 'ASC' : 'DESC'}, ${THEN} LIMIT ? OFFSET ?`,
            [...params, request.pageSize, offset],
          )
          .map(toRow);
  return { ...request, page, rows, total };
}

/**
 * Every matching record (`limit`: at most that many): oldest first, or in a table's order
 * (`order`), so that a report or an export lists them as the page showed them.
 */
export function readRows(q: Query, filters: Filters, limit?: number, order?: Pick<TableRequest, 'sort' | 'dir'>): RecordRow[] {
  const { sql, params } = where(filters);
  const max = limit === undefined ? -1 : Math.max(0, Math.floor(limit));
  const orderBy = order === undefined ? 'date ASC, category ASC, metric ASC' : `${ORDER_BY[order.sort]} ${order.dir === 'asc' ? 'ASC' : 'DESC'}, ${THEN}`;
  return q.all<SqlRecord>(`SELECT ${COLUMNS} FROM records WHERE ${sql} ORDER BY ${orderBy} LIMIT ?`, [...params, max]).map(toRow);
}
