/** The summary cards: total, average per day, records, and the change against the previous period. */
import type { FiguresView } from '../../src/figures/types.ts';
import { byId, fill, h, type Child } from './dom.ts';
import { formatChange, formatCount, formatRange, formatValue } from './format.ts';

function setCard(id: string, value: Node | string, note: Child | readonly Child[]): void {
  const card = byId(`card-${id}`);
  fill(card.querySelector('.card-value')!, value);
  fill(card.querySelector('.card-note')!, ...(Array.isArray(note) ? note : [note as Child]));
}

/** "2026-09-09 – 2026-12-07" whose dates never break at their hyphens (Chromium would, in a phone's narrow card). */
function period(from: string, to: string): Child[] {
  return formatRange(from, to).split(/(\d{4}-\d{2}-\d{2})/).map((part) => (/^\d{4}-\d{2}-\d{2}$/.test(part) ? h('span', { class: 'nowrap' }, part) : part));
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
  setCard('total', formatValue(summary.total), [`${filters.metric}, `, ...period(filters.from, filters.to)]);
  setCard('average', formatValue(summary.average), 'per day with figures');
  setCard('count', formatCount(summary.count), filters.category ?? 'All categories');
  const previous = `vs ${formatRange(summary.previous.from, summary.previous.to)}: ${formatValue(summary.previous.total)}`;
  setCard('change', changeValue(summary.change), summary.change === null ? `${previous} (nothing to compare with)` : previous);
}
