/**
 * Figures that could not be reloaded stay on screen (better than nothing while offline), but
 * visibly as what they are: dimmed, with a note inside the figures saying which filters they
 * answer and that they are not the ones in the form. A banner alone reads as "all is well below".
 */
import { byId } from './dom.ts';

export function markStale(describedAs: string): void {
  const box = byId('figures');
  const note = byId('stale-note');
  note.textContent = `Out of date: these figures are still those for ${describedAs}. The ones for the filters above could not be loaded.`;
  note.hidden = false;
  box.classList.add('stale');
  box.dataset.stale = 'true';
}

export function clearStale(): void {
  const box = byId('figures');
  byId('stale-note').hidden = true;
  box.classList.remove('stale');
  delete box.dataset.stale;
}
