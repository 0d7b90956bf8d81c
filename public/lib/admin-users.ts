/** Admin › Users: the accounts table, per-user actions, and the "Add a user" form. */
import { ApiFailure, getJson, sendJson } from './api.ts';
import { byId, fill, h, say } from './dom.ts';
import { formatMoment } from './format.ts';
import { confirmAction, type Confirmation } from './confirm.ts';
import { withStepUp } from './step-up.ts';

interface User {
  readonly id: number;
  readonly username: string;
  readonly displayName: string;
  readonly email: string | null;
  readonly role: 'admin' | 'member';
  readonly disabled: boolean;
  /** `wordpress`: made and kept up to date by single sign-on (no dashboard password). */
  readonly source: string;
  readonly wpUserId: number | null;
  readonly lastLoginAt: number | null;
}

const errorBox = (): HTMLElement => byId('users-error');
const status = (): HTMLElement => byId('users-status');
const me = Number(document.getElementById('main')?.dataset.user);

function message(error: unknown): string {
  return error instanceof ApiFailure ? error.detail.message : 'Could not reach the server. Check your connection and try again.';
}

/**
 * A change through the admin API; the ones that hand over or take away access first ask for
 * the admin's password (lib/step-up.ts) and are then sent again.
 */
function change(path: string, method: 'POST' | 'PATCH', body?: unknown, opener?: Element | null): Promise<Response> {
  return withStepUp(() => sendJson(path, method, body), opener);
}

/**
 * A button whose accessible name says whom it acts on ("Disable alice"); with `ask`, the admin
 * confirms first (a dialog), and nothing is sent on Cancel.
 */
function action(label: string, user: User, run: (button: HTMLButtonElement) => Promise<string>, ask?: Confirmation): HTMLButtonElement {
  const button = h('button', { type: 'button', class: 'secondary small' }, label, h('span', { class: 'vh' }, ` ${user.username}`));
  // aria-disabled rather than disabled while it runs: a disabled button drops the focus, which
  // must come back to it when the password dialog closes.
  button.addEventListener('click', async () => {
    if (button.getAttribute('aria-disabled') === 'true') return;
    button.setAttribute('aria-disabled', 'true');
    if (ask !== undefined && !(await confirmAction(ask, button))) {
      button.removeAttribute('aria-disabled');
      say(status(), 'Nothing was changed.');
      return;
    }
    say(errorBox(), '');
    try {
      say(status(), await run(button));
      await loadUsers();
    } catch (error) {
      say(errorBox(), message(error));
      button.removeAttribute('aria-disabled');
    }
  });
  return button;
}

function passwordRow(user: User, row: HTMLTableRowElement): HTMLTableRowElement {
  const id = `pw-${user.id}`;
  const field = h('input', { id, type: 'password', autocomplete: 'new-password', required: true, minlength: 12 });
  const problem = h('span', { class: 'field-error', role: 'alert' });
  const form = h(
    'form',
    { class: 'inline-form' },
    h('label', { for: id }, `New password for ${user.username}`),
    field,
    h('button', { type: 'submit', class: 'small' }, 'Set password'),
    h('button', { type: 'button', class: 'secondary small', 'data-cancel': '' }, 'Cancel'),
    problem,
  );
  const extra = h('tr', { class: 'row-form' }, h('td', { colspan: 6 }, form));
  const close = (): void => {
    extra.remove();
    row.querySelector<HTMLButtonElement>('[data-reset]')?.focus();
  };
  form.querySelector('[data-cancel]')!.addEventListener('click', close);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    try {
      await change(`/api/admin/users/${user.id}/password`, 'POST', { password: field.value }, document.activeElement);
      close();
      say(status(), `The password of ${user.username} was changed; their sessions have ended.`);
    } catch (error) {
      problem.textContent = message(error);
      field.setAttribute('aria-invalid', 'true');
      field.focus();
    }
  });
  return extra;
}

function userRow(user: User): HTMLTableRowElement {
  const you = user.id === me;
  const row = h('tr', {});
  const reset = h('button', { type: 'button', class: 'secondary small', 'data-reset': '' }, 'Reset password', h('span', { class: 'vh' }, ` of ${user.username}`));
  reset.addEventListener('click', () => {
    if (row.nextElementSibling?.classList.contains('row-form')) return;
    const extra = passwordRow(user, row);
    row.after(extra);
    extra.querySelector('input')!.focus();
  });
  const toRole = user.role === 'admin' ? 'member' : 'admin';
  const roleWords = toRole === 'admin' ? 'an administrator' : 'a member';
  // Your own row offers nothing that would lock you out (the server refuses it too): no demotion, no disabling.
  const actions = h(
    'div',
    { class: 'actions' },
    you
      ? null
      : action(
          user.role === 'admin' ? 'Make member' : 'Make admin',
          user,
          async (button) => {
            await change(`/api/admin/users/${user.id}`, 'PATCH', { role: toRole }, button);
            return `${user.username} is now ${roleWords}.`;
          },
          {
            title: `Make ${user.username} ${roleWords}?`,
            text: toRole === 'admin' ? `${user.displayName} will be able to manage users, import data and read the audit log.` : `${user.displayName} will no longer be able to manage users, import data or read the audit log.`,
            action: toRole === 'admin' ? `Make ${user.username} admin` : `Make ${user.username} member`,
          },
        ),
    you
      ? null
      : action(
          user.disabled ? 'Enable' : 'Disable',
          user,
          async (button) => {
            await change(`/api/admin/users/${user.id}`, 'PATCH', { disabled: !user.disabled }, button);
            return `${user.username} is ${user.disabled ? 'enabled' : 'disabled'}.`;
          },
          user.disabled
            ? undefined
            : { title: `Disable ${user.username}?`, text: `${user.displayName} will be signed out at once and cannot sign in until enabled again.`, action: `Disable ${user.username}` },
        ),
    // WordPress keeps these people's passwords: a dashboard password would be a second way in.
    user.source === 'wordpress' ? null : reset,
    action(
      'Sign out everywhere',
      user,
      async (button) => {
        await change(`/api/admin/users/${user.id}/logout-all`, 'POST', undefined, button);
        return `Every session of ${user.username} has ended.`;
      },
      {
        title: you ? 'Sign yourself out everywhere?' : `Sign ${user.username} out everywhere?`,
        text: you ? 'Every session of yours ends, this one included.' : `Every session of ${user.displayName} ends on every device; they can sign in again.`,
        action: you ? 'Sign me out everywhere' : `Sign ${user.username} out`,
      },
    ),
  );
  fill(
    row,
    h(
      'td',
      {},
      user.username,
      you ? h('span', { class: 'tag' }, 'you') : null,
      user.source === 'wordpress' ? h('span', { class: 'tag', title: `Signs in through WordPress (WordPress user ${user.wpUserId ?? '?'})` }, 'WordPress') : null,
    ),
    h('td', {}, user.displayName, user.email ? h('span', { class: 'sub' }, user.email) : null),
    h('td', {}, user.role === 'admin' ? 'Administrator' : 'Member'),
    h('td', {}, h('span', { class: user.disabled ? 'badge off' : 'badge on' }, user.disabled ? 'Disabled' : 'Active')),
    h('td', {}, formatMoment(user.lastLoginAt)),
    h('td', {}, actions),
  );
  return row;
}

export async function loadUsers(): Promise<void> {
  const body = byId<HTMLTableElement>('users-table').tBodies[0]!;
  try {
    const { users } = await getJson<{ users: User[] }>('/api/admin/users');
    fill(body, ...users.map(userRow));
  } catch (error) {
    fill(body, h('tr', {}, h('td', { colspan: 6 }, 'The users could not be loaded.')));
    say(errorBox(), message(error));
  }
}

const CREATE_FIELDS = ['username', 'displayName', 'email', 'role', 'password'] as const;

/** Each message beside its field (`new-<field>-error`), all at once; the focus goes to the first. */
function showFieldProblems(form: HTMLFormElement, problems: Readonly<Record<string, string>>): boolean {
  let first: HTMLElement | undefined;
  for (const name of CREATE_FIELDS) {
    const control = form.elements.namedItem(name);
    const slot = document.getElementById(`new-${name}-error`);
    const message = problems[name];
    if (!(control instanceof HTMLElement) || slot === null) continue;
    slot.textContent = message ?? '';
    slot.hidden = message === undefined;
    if (message === undefined) {
      control.removeAttribute('aria-invalid');
      control.removeAttribute('aria-describedby');
    } else {
      control.setAttribute('aria-invalid', 'true');
      control.setAttribute('aria-describedby', slot.id);
      first ??= control;
    }
  }
  first?.focus();
  return first !== undefined;
}

/** What the browser can tell before asking the server: every empty or too short field at once. */
function localProblems(value: (name: string) => string, password: string): Record<string, string> {
  const problems: Record<string, string> = {};
  if (value('username') === '') problems.username = 'Enter a username.';
  if (value('displayName') === '') problems.displayName = 'Enter the person\u2019s name.';
  if (value('email') !== '' && !/^[^\s@]+@[^\s@]+$/.test(value('email'))) problems.email = 'That email address does not look right.';
  if (password === '') problems.password = 'Enter a password of at least 12 characters.';
  else if (password.length < 12) problems.password = 'The password must be at least 12 characters long.';
  return problems;
}

export function wireCreateUser(): void {
  const form = byId<HTMLFormElement>('create-user');
  const problem = byId('create-error');
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    say(problem, '');
    const data = new FormData(form);
    const value = (name: string): string => String(data.get(name) ?? '').trim();
    if (showFieldProblems(form, localProblems(value, String(data.get('password') ?? '')))) return;
    const button = form.querySelector<HTMLButtonElement>('button[type=submit]')!;
    const opener = document.activeElement; // before the button is disabled (which drops the focus)
    button.disabled = true;
    try {
      const response = await change('/api/admin/users', 'POST', {
        username: value('username'),
        displayName: value('displayName'),
        ...(value('email') === '' ? {} : { email: value('email') }),
        role: value('role'),
        password: String(data.get('password') ?? ''),
      }, opener);
      const { user } = (await response.json()) as { user: User };
      form.reset();
      say(status(), `Added ${user.username} (${user.role === 'admin' ? 'administrator' : 'member'}).`);
      await loadUsers();
    } catch (error) {
      const detail = error instanceof ApiFailure ? error.detail : undefined;
      const byField = detail?.fields ?? (detail?.field === undefined ? {} : { [detail.field]: detail.message });
      if (!showFieldProblems(form, byField)) {
        say(problem, message(error));
        problem.focus();
      }
    } finally {
      button.disabled = false;
    }
  });
}
