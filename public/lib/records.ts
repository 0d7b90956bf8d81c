/** The records table: rows, sortable headers (buttons with aria-sort), and the pager. */
import type { MetricFormat, SortColumn, SortDirection, TablePage } from '../../src/figures/types.ts';
import { byId, fill, h } from './dom.ts';
import { setDisabled } from './focus.ts';
import { formatCount, formatValue } from './format.ts';

export const PAGE_SIZE = 25;

/** The direction a column sorts in when first chosen: newest and largest first. */
export function firstDirection(column: SortColumn): SortDirection {
  return column === 'date' || column === 'value' ? 'desc' : 'asc';
}

export function renderRecords(table: TablePage, format?: MetricFormat): void {
  const body = byId<HTMLTableElement>('records').tBodies[0]!;
  fill(
    body,
    ...table.rows.map((row) =>
      h('tr', {}, h('td', {}, row.date), h('td', {}, row.category), h('td', {}, row.metric), h('td', { class: 'num' }, formatValue(row.value, format === undefined ? undefined : { decimals: format.decimals, unit: '' })), h('td', { class: 'note' }, row.note ?? '')),
    ),
  );
  if (table.rows.length === 0) fill(body, h('tr', {}, h('td', { colspan: 5 }, 'No records on this page.')));

  // The unit once, in the Value header, rather than in every cell of a narrow column.
  const valueHeader = byId('records').querySelector<HTMLElement>('th[data-sort="value"]');
  if (valueHeader !== null) valueHeader.dataset.unit = format?.unit ? `(${format.unit})` : '';
  for (const th of byId('records').querySelectorAll<HTMLTableCellElement>('th[data-sort]')) {
    const button = th.querySelector('button')!;
    if (th.dataset.sort === table.sort) {
      th.setAttribute('aria-sort', table.dir === 'asc' ? 'ascending' : 'descending');
      button.dataset.dir = table.dir;
    } else {
      th.removeAttribute('aria-sort');
      delete button.dataset.dir;
    }
  }

  const first = table.total === 0 ? 0 : (table.page - 1) * table.pageSize + 1;
  const last = Math.min(table.total, table.page * table.pageSize);
  byId('range').textContent = table.total === 0 ? 'No rows' : `Rows ${formatCount(first)}\u2013${formatCount(last)} of ${formatCount(table.total)}`;
  // The pager button just used may become disabled (the last page reached): the focus moves to the other one.
  const prev = byId<HTMLButtonElement>('prev');
  const next = byId<HTMLButtonElement>('next');
  setDisabled(prev, table.page <= 1, next);
  setDisabled(next, last >= table.total, prev);
}
