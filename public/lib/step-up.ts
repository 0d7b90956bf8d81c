/**
 * Step-up on the page (src/auth/step-up.ts): when an admin action answers 403
 * step_up_required, ask for the admin's own password in a modal dialog, confirm it at
 * /api/auth/step-up, then run the action again — once. A native <dialog> opened with
 * showModal(): the page behind is inert and Escape cancels (its `cancel` event); Tab is also
 * kept inside by hand, as focus would otherwise leave for the browser's own controls, and focus
 * goes back to what opened it.
 *
 * An admin whose account signs in through WordPress (no dashboard password: the server says
 * `method: "wordpress"`) gets "Confirm with WordPress" instead of the password box: a link round
 * the plugin's start URL with step_up=1 (the Users section's data-wordpress-step-up), where
 * WordPress asks for the password again, and back to this page on a new, confirmed sign-in. The
 * action is not retried (the page is left); the admin does it again on return.
 */
import { ApiFailure, sendJson } from './api.ts';
import { h, say } from './dom.ts';
import { keepTabInside } from './focus.ts';

interface Parts {
  readonly dialog: HTMLDialogElement;
  readonly form: HTMLFormElement;
  readonly field: HTMLInputElement;
  readonly problem: HTMLElement;
  /** The WordPress way: its explanation and its link (or, with SSO off, only a way out). */
  readonly wordpress: HTMLElement;
  readonly wordpressGo: HTMLElement;
}

type Method = 'password' | 'wordpress';

let parts: Parts | undefined;
/** Settles the open dialog's promise; undefined while it is closed. */
let settle: ((confirmed: boolean) => void) | undefined;
/** Several actions refused at once share one dialog. */
let asking: Promise<boolean> | undefined;

function message(error: unknown): string {
  return error instanceof ApiFailure ? error.detail.message : 'Could not reach the server. Check your connection and try again.';
}

/** The WordPress way (see the header): a link when SSO is on, otherwise what to do instead. */
function buildWordPress(onCancel: () => void): { part: HTMLElement; go: HTMLElement } {
  const url = document.querySelector<HTMLElement>('[data-wordpress-step-up]')?.dataset.wordpressStepUp;
  const cancel = h('button', { type: 'button', class: 'secondary' }, url === undefined ? 'Close' : 'Cancel');
  cancel.addEventListener('click', onCancel);
  const go =
    url === undefined
      ? cancel
      : h('a', { class: 'button', id: 'step-up-wordpress-go', href: url }, 'Confirm with WordPress');
  const why =
    url === undefined
      ? 'Your account signs in through WordPress and has no dashboard password, and signing in with WordPress is not set up here. Ask an admin who has a dashboard password.'
      : 'This change affects who can use the dashboard. Your account signs in through WordPress: confirm there (WordPress asks for your password if you have not typed it in the last 3 minutes). You will come back to this page; then do the change again.';
  const part = h('div', { class: 'stack-form', hidden: true }, h('p', { id: 'step-up-wordpress-why' }, why), h('div', { class: 'actions' }, ...(url === undefined ? [cancel] : [go, cancel])));
  return { part, go };
}

function build(): Parts {
  const field = h('input', { id: 'step-up-password', name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const problem = h('div', { id: 'step-up-error', class: 'alert', role: 'alert', hidden: true });
  const cancel = h('button', { type: 'button', class: 'secondary' }, 'Cancel');
  const form = h(
    'form',
    { class: 'stack-form', novalidate: true },
    h('p', { id: 'step-up-why' }, 'This change affects who can use the dashboard. Enter your password to go on; you will not be asked again for 5 minutes.'),
    h('div', { class: 'field' }, h('label', { for: 'step-up-password' }, 'Your password'), field),
    problem,
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Confirm'), cancel),
  );
  const wordpress = buildWordPress(() => settle?.(false));
  const dialog = h(
    'dialog',
    { id: 'step-up', class: 'dialog', 'aria-labelledby': 'step-up-title', 'aria-describedby': 'step-up-why' },
    h('h2', { id: 'step-up-title' }, 'Confirm it\u2019s you'),
    form,
    wordpress.part,
  );
  document.body.append(dialog);

  let busy = false;
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (busy) return;
    if (field.value === '') {
      say(problem, 'Enter your password.');
      field.setAttribute('aria-invalid', 'true');
      field.focus();
      return;
    }
    busy = true;
    form.setAttribute('aria-busy', 'true');
    try {
      await sendJson('/api/auth/step-up', 'POST', { password: field.value });
      settle?.(true);
    } catch (error) {
      // A wrong password (or a lockout's wait) is said here, and the dialog stays for another try.
      say(problem, message(error));
      field.setAttribute('aria-invalid', 'true');
      field.select();
      field.focus();
    } finally {
      busy = false;
      form.removeAttribute('aria-busy');
    }
  });
  cancel.addEventListener('click', () => settle?.(false));
  dialog.addEventListener('cancel', (event) => {
    event.preventDefault();
    settle?.(false);
  });
  dialog.addEventListener('close', () => settle?.(false));
  keepTabInside(dialog);
  return { dialog, form, field, problem, wordpress: wordpress.part, wordpressGo: wordpress.go };
}

/** Opens the dialog; true once the password is confirmed, false when cancelled (the WordPress way leaves the page). */
function ask(opener: Element | null, method: Method): Promise<boolean> {
  const p = (parts ??= build());
  p.form.reset();
  say(p.problem, '');
  p.field.removeAttribute('aria-invalid');
  p.form.hidden = method === 'wordpress';
  p.wordpress.hidden = method !== 'wordpress';
  p.dialog.setAttribute('aria-describedby', method === 'wordpress' ? 'step-up-wordpress-why' : 'step-up-why');
  p.dialog.showModal();
  (method === 'wordpress' ? p.wordpressGo : p.field).focus();
  return new Promise<boolean>((resolve) => {
    settle = (confirmed) => {
      settle = undefined;
      p.form.reset(); // the password does not stay in the page
      if (p.dialog.open) p.dialog.close();
      // After the caller has settled (its buttons enabled again), in a later task.
      setTimeout(() => {
        if (opener instanceof HTMLElement && opener.isConnected) opener.focus();
      }, 0);
      resolve(confirmed);
    };
  });
}

/**
 * Runs `action`; if it needs a step-up, asks for the password and runs it once more. `opener`
 * gets the focus back (the element the admin used, captured before it was disabled).
 */
export async function withStepUp<T>(action: () => Promise<T>, opener: Element | null = document.activeElement): Promise<T> {
  try {
    return await action();
  } catch (error) {
    if (!(error instanceof ApiFailure) || error.detail.error !== 'step_up_required') throw error;
    const method: Method = error.detail.method === 'wordpress' ? 'wordpress' : 'password';
    asking ??= ask(opener, method).finally(() => (asking = undefined));
    if (!(await asking)) {
      const needs = method === 'wordpress' ? 'confirming it\u2019s you with WordPress' : 'your password';
      throw new ApiFailure({ status: 403, error: 'step_up_required', message: `Nothing was changed: this needs ${needs}.` });
    }
    return action();
  }
}
