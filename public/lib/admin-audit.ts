/** Admin › Audit log: filters, newest first, "Load older" through the API's id cursor. */
import { ApiFailure, getJson } from './api.ts';
import { byId, fill, h, say } from './dom.ts';
import { formatMoment } from './format.ts';

interface Entry {
  readonly id: number;
  readonly at: number | string;
  readonly action: string;
  readonly outcome: string;
  readonly actor: string | null;
  readonly target: string | null;
  readonly ip: string | null;
  readonly detail: string | null;
  /** More than 1 on the row that counts a day's failed sign-ins past the cap. */
  readonly times?: number;
}

const FILTERS = ['action', 'actor', 'outcome'] as const;

/** The filters live in the page's URL (`?action=login#audit`): a reload or a trip through sign-in keeps them. */
let filters = fromUrl();
/** Action names in words (from /api/admin/audit/options); an unknown name is shown as it is. */
const labels = new Map<string, string>();

function fromUrl(): URLSearchParams {
  const query = new URLSearchParams(location.search);
  const kept = new URLSearchParams();
  for (const name of FILTERS) {
    const value = query.get(name)?.trim();
    if (value) kept.set(name, value);
  }
  return kept;
}
let next: number | null = null;
let ticket = 0;

function entryRow(entry: Entry): HTMLTableRowElement {
  return h(
    'tr',
    { 'data-id': entry.id },
    h('td', { class: 'when' }, formatMoment(entry.at)),
    h('td', {}, entry.actor ?? '\u2013'),
    h('td', {}, labels.get(entry.action) ?? entry.action),
    h('td', {}, entry.target ?? ''),
    h('td', {}, entry.ip ?? ''),
    h('td', {}, h('span', { class: `badge ${entry.outcome}` }, entry.outcome)),
    h('td', { class: 'detail' }, `${entry.detail ?? ''}${(entry.times ?? 1) > 1 ? ` (\u00d7${(entry.times ?? 1).toLocaleString('en')})` : ''}`),
  );
}

/** The first page for the current filters, or (`older`) the next page after what is shown. */
export async function loadAudit(older = false): Promise<void> {
  const body = byId<HTMLTableElement>('audit-table').tBodies[0]!;
  const more = byId<HTMLButtonElement>('audit-older');
  const mine = ++ticket;
  const query = new URLSearchParams(filters);
  query.set('limit', '50');
  if (older && next !== null) query.set('before', String(next));
  more.disabled = true;
  try {
    const page = await getJson<{ entries: Entry[]; next: number | null }>(`/api/admin/audit?${query}`);
    if (mine !== ticket) return;
    say(byId('audit-error'), '');
    const rows = page.entries.map(entryRow);
    if (older) body.append(...rows);
    else fill(body, ...(rows.length > 0 ? rows : [h('tr', {}, h('td', { colspan: 7 }, 'No entries match.'))]));
    next = page.next;
    more.hidden = next === null;
    say(byId('audit-status'), older ? `${page.entries.length} older entries loaded.` : `${page.entries.length} entries${next === null ? '' : ' (more are older)'}.`);
  } catch (error) {
    if (mine !== ticket) return;
    say(byId('audit-error'), error instanceof ApiFailure ? error.detail.message : 'Could not reach the server.');
  } finally {
    more.disabled = false;
  }
}

/** Fills a filter's list, keeping the choice made (even one the list does not know). */
function choices(select: HTMLSelectElement, allLabel: string, items: ReadonlyArray<{ value: string; label: string }>): void {
  const current = filters.get(select.name) ?? '';
  const known = items.some((item) => item.value === current);
  fill(
    select,
    h('option', { value: '' }, allLabel),
    ...items.map((item) => h('option', { value: item.value }, item.label)),
    current !== '' && !known ? h('option', { value: current }, current) : null,
  );
  select.value = current;
}

/** The known actions (in words) and accounts, for the filters; the log waits for the words. */
export async function loadAuditOptions(): Promise<void> {
  try {
    const options = await getJson<{ actions: Array<{ value: string; label: string }>; actors: string[] }>('/api/admin/audit/options');
    for (const action of options.actions) labels.set(action.value, action.label);
    choices(byId<HTMLSelectElement>('audit-action'), 'Any action', options.actions);
    choices(byId<HTMLSelectElement>('audit-actor'), 'Anyone', options.actors.map((name) => ({ value: name, label: name })));
  } catch {
    // The filters keep their plain choices; the log still loads.
  }
}

export function wireAudit(): void {
  const form = byId<HTMLFormElement>('audit-filters');
  byId<HTMLSelectElement>('audit-outcome').value = filters.get('outcome') ?? '';
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    filters = new URLSearchParams();
    for (const [name, value] of new FormData(form)) if (typeof value === 'string' && value.trim() !== '') filters.set(name, value.trim());
    const query = filters.toString();
    history.replaceState(null, '', `${location.pathname}${query === '' ? '' : `?${query}`}${location.hash}`);
    void loadAudit();
  });
  byId('audit-older').addEventListener('click', () => void loadAudit(true));
}
