/**
 * The summary cards: total, average per day, records, and the change against the previous
 * period, in the metric's decimals and unit. The change is shown only when it means something
 * (src/charts/summary-text.ts, the same words as the PDF): otherwise "no comparison: figures
 * start on …". "Figures up to …" says how fresh the data is.
 */
import type { FiguresView } from '../../src/figures/types.ts';
import { changeText, upToText } from '../../src/charts/summary-text.ts';
import { byId, fill, h, type Child } from './dom.ts';
import { formatCount, formatRange, formatValue } from './format.ts';

function setCard(id: string, value: Node | string, note: Child | readonly Child[]): void {
  const card = byId(`card-${id}`);
  fill(card.querySelector('.card-value')!, value);
  fill(card.querySelector('.card-note')!, ...(Array.isArray(note) ? note : [note as Child]));
}

/** "2026-09-09 – 2026-12-07" whose dates never break at their hyphens (Chromium would, in a phone's narrow card). */
function period(from: string, to: string): Child[] {
  return formatRange(from, to).split(/(\d{4}-\d{2}-\d{2})/).map((part) => (/^\d{4}-\d{2}-\d{2}$/.test(part) ? h('span', { class: 'nowrap' }, part) : part));
}

function changeValue(view: FiguresView): { value: Node; note: string } {
  const change = changeText(view);
  // The arrow and the sign carry the direction; colour only repeats it.
  const value =
    change.direction === 'up'
      ? h('span', { class: 'up' }, h('span', { 'aria-hidden': 'true' }, '\u25B2 '), h('span', { class: 'vh' }, 'Up '), change.value)
      : change.direction === 'down'
        ? h('span', { class: 'down' }, h('span', { 'aria-hidden': 'true' }, '\u25BC '), h('span', { class: 'vh' }, 'Down '), change.value)
        : change.direction === 'flat'
          ? h('span', { class: 'flat' }, 'No change')
          : h('span', { class: 'flat' }, h('span', { 'aria-hidden': 'true' }, '\u2013'), h('span', { class: 'vh' }, 'No comparison'));
  return { value, note: change.note };
}

export function renderCards(view: FiguresView): void {
  const { summary, filters, format } = view;
  setCard('total', formatValue(summary.total, format), [`${filters.metric}, `, ...period(filters.from, filters.to)]);
  setCard('average', formatValue(summary.average, format), 'per day with figures');
  setCard('count', formatCount(summary.count), filters.category ?? 'All categories');
  const change = changeValue(view);
  setCard('change', change.value, change.note);
  const upTo = document.getElementById('up-to');
  if (upTo !== null) upTo.textContent = `${upToText(view)}${view.coverage.last !== null && view.coverage.last >= view.today ? ' (today\u2019s may still grow)' : ''}.`;
}
