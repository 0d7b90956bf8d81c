/** Admin › Defences: refused requests of the last day, lockouts (lift), blocked networks (block, unblock). */
import { ApiFailure, getJson, sendJson } from './api.ts';
import { byId, fill, h, say } from './dom.ts';
import { formatMoment } from './format.ts';
import { withStepUp } from './step-up.ts';

interface Refused {
  readonly subject: string;
  readonly count: number;
  readonly lastAt: string;
  readonly reasons: Readonly<Record<string, number>>;
  readonly blocked?: string | null;
}

interface Defences {
  readonly refused: { readonly addresses: Refused[]; readonly accounts: Refused[] };
  readonly lockedOut: Array<{ username: string; address: string | null; failures: number; until: string }>;
  readonly blocks: Array<{ id: number; cidr: string; reason: string | null; createdBy: string | null; createdAt: string }>;
}

const reasons = (r: Readonly<Record<string, number>>): string =>
  Object.entries(r)
    .sort((a, b) => b[1] - a[1])
    .map(([reason, n]) => `${reason.replace(/_/g, ' ')} \u00d7${n}`)
    .join(', ');

const empty = (columns: number, text: string): HTMLTableRowElement => h('tr', {}, h('td', { colspan: columns }, text));

function failed(error: unknown): void {
  say(byId('defences-error'), error instanceof ApiFailure ? error.detail.message : 'Could not reach the server.');
}

/** A change to the defences: asks for the admin's password first when the server wants it (step-up.ts). */
async function act(run: () => Promise<unknown>, done: string, opener: Element | null = document.activeElement): Promise<void> {
  try {
    await withStepUp(run, opener);
    say(byId('defences-error'), '');
    await loadDefences();
    say(byId('defences-status'), done);
  } catch (error) {
    failed(error);
  }
}

const blockButton = (address: string): HTMLButtonElement => {
  const button = h('button', { type: 'button', class: 'secondary' }, `Block ${address}`);
  button.addEventListener('click', () => void act(() => sendJson('/api/admin/blocks', 'POST', { cidr: address, reason: 'from the refused list' }), `${address} is blocked.`));
  return button;
};

export async function loadDefences(): Promise<void> {
  try {
    const view = await getJson<Defences>('/api/admin/defences');
    const addresses = view.refused.addresses.map((r) =>
      h('tr', {}, h('td', {}, h('code', {}, r.subject)), h('td', { class: 'num' }, r.count), h('td', {}, reasons(r.reasons)), h('td', { class: 'when' }, formatMoment(r.lastAt)), h('td', {}, r.blocked ? `blocked (${r.blocked})` : r.subject === 'unknown' ? '' : blockButton(r.subject))),
    );
    fill(byId<HTMLTableElement>('refused-addresses').tBodies[0]!, ...(addresses.length > 0 ? addresses : [empty(5, 'Nothing refused in the last day.')]));
    const accounts = view.refused.accounts.map((r) => h('tr', {}, h('td', {}, r.subject), h('td', { class: 'num' }, r.count), h('td', {}, reasons(r.reasons)), h('td', { class: 'when' }, formatMoment(r.lastAt))));
    fill(byId<HTMLTableElement>('refused-accounts').tBodies[0]!, ...(accounts.length > 0 ? accounts : [empty(4, 'No account named in a refused request.')]));
    const locked = view.lockedOut.map((l) => {
      const lift = h('button', { type: 'button', class: 'secondary' }, `Lift lockout of ${l.username}`);
      lift.addEventListener('click', () => void act(() => sendJson('/api/admin/lockouts/lift', 'POST', { username: l.username }), `${l.username} can sign in again.`));
      return h('tr', {}, h('td', {}, l.username), h('td', {}, l.address ?? 'any'), h('td', { class: 'num' }, l.failures), h('td', { class: 'when' }, formatMoment(l.until)), h('td', {}, lift));
    });
    fill(byId<HTMLTableElement>('locked-out').tBodies[0]!, ...(locked.length > 0 ? locked : [empty(5, 'Nobody is locked out.')]));
    const blocks = view.blocks.map((b) => {
      const unblock = h('button', { type: 'button', class: 'secondary' }, `Unblock ${b.cidr}`);
      unblock.addEventListener('click', () => void act(() => sendJson(`/api/admin/blocks/${b.id}`, 'DELETE'), `${b.cidr} is no longer blocked.`));
      return h('tr', {}, h('td', {}, h('code', {}, b.cidr)), h('td', {}, b.reason ?? ''), h('td', {}, b.createdBy ?? ''), h('td', { class: 'when' }, formatMoment(b.createdAt)), h('td', {}, unblock));
    });
    fill(byId<HTMLTableElement>('blocks-table').tBodies[0]!, ...(blocks.length > 0 ? blocks : [empty(5, 'No address is blocked.')]));
  } catch (error) {
    failed(error);
  }
}

export function wireDefences(): void {
  const form = byId<HTMLFormElement>('block-form');
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const cidr = String(data.get('cidr') ?? '').trim();
    const reason = String(data.get('reason') ?? '').trim();
    void act(async () => {
      await sendJson('/api/admin/blocks', 'POST', { cidr, ...(reason === '' ? {} : { reason }) });
      form.reset();
    }, `${cidr} is blocked.`);
  });
}
