/** The summary cards: total, average per day, records, and the change against the previous period. */
import type { FiguresView } from '../../src/figures/types.ts';
import { byId, fill, h } from './dom.ts';
import { formatChange, formatCount, formatRange, formatValue } from './format.ts';

function setCard(id: string, value: Node | string, note: string): void {
  const card = byId(`card-${id}`);
  fill(card.querySelector('.card-value')!, value);
  fill(card.querySelector('.card-note')!, note);
}

function changeValue(change: number | null): Node {
  if (change === null) return h('span', { class: 'flat' }, '\u2013');
  // The arrow and the sign carry the direction; colour only repeats it.
  if (change > 0) return h('span', { class: 'up' }, h('span', { 'aria-hidden': 'true' }, '\u25B2 '), h('span', { class: 'vh' }, 'Up '), formatChange(change));
  if (change < 0) return h('span', { class: 'down' }, h('span', { 'aria-hidden': 'true' }, '\u25BC '), h('span', { class: 'vh' }, 'Down '), formatChange(change));
  return h('span', { class: 'flat' }, 'No change');
}

export function renderCards(view: FiguresView): void {
  const { summary, filters } = view;
  setCard('total', formatValue(summary.total), `${filters.metric}, ${formatRange(filters.from, filters.to)}`);
  setCard('average', formatValue(summary.average), 'per day with figures');
  setCard('count', formatCount(summary.count), filters.category ?? 'All categories');
  const previous = `vs ${formatRange(summary.previous.from, summary.previous.to)}: ${formatValue(summary.previous.total)}`;
  setCard('change', changeValue(summary.change), summary.change === null ? `${previous} (nothing to compare with)` : previous);
}
