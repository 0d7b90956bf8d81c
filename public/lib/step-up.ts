/**
 * Step-up on the page (src/auth/step-up.ts): when an admin action answers 403
 * step_up_required, ask for the admin's own password in a modal dialog, confirm it at
 * /api/auth/step-up, then run the action again — once. A native <dialog> opened with
 * showModal(): the page behind is inert and Escape cancels (its `cancel` event); Tab is also
 * kept inside by hand, as focus would otherwise leave for the browser's own controls, and focus
 * goes back to what opened it.
 */
import { ApiFailure, sendJson } from './api.ts';
import { h, say } from './dom.ts';

interface Parts {
  readonly dialog: HTMLDialogElement;
  readonly form: HTMLFormElement;
  readonly field: HTMLInputElement;
  readonly problem: HTMLElement;
}

let parts: Parts | undefined;
/** Settles the open dialog's promise; undefined while it is closed. */
let settle: ((confirmed: boolean) => void) | undefined;
/** Several actions refused at once share one dialog. */
let asking: Promise<boolean> | undefined;

function message(error: unknown): string {
  return error instanceof ApiFailure ? error.detail.message : 'Could not reach the server. Check your connection and try again.';
}

function build(): Parts {
  const field = h('input', { id: 'step-up-password', name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const problem = h('div', { id: 'step-up-error', class: 'alert', role: 'alert', hidden: true });
  const cancel = h('button', { type: 'button', class: 'secondary' }, 'Cancel');
  const form = h(
    'form',
    { class: 'stack-form', novalidate: true },
    h('h2', { id: 'step-up-title' }, 'Confirm it\u2019s you'),
    h('p', { id: 'step-up-why' }, 'This change affects who can use the dashboard. Enter your password to go on; you will not be asked again for 5 minutes.'),
    h('div', { class: 'field' }, h('label', { for: 'step-up-password' }, 'Your password'), field),
    problem,
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Confirm'), cancel),
  );
  const dialog = h('dialog', { id: 'step-up', class: 'dialog', 'aria-labelledby': 'step-up-title', 'aria-describedby': 'step-up-why' }, form);
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
  dialog.addEventListener('keydown', (event) => {
    if (event.key !== 'Tab') return;
    const stops = [...dialog.querySelectorAll<HTMLElement>('input, button')].filter((el) => !el.hasAttribute('disabled'));
    const first = stops[0];
    const last = stops[stops.length - 1];
    if (first === undefined || last === undefined) return;
    if (event.shiftKey && document.activeElement === first) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && document.activeElement === last) {
      event.preventDefault();
      first.focus();
    }
  });
  return { dialog, form, field, problem };
}

/** Opens the dialog; true once the password is confirmed, false when cancelled. */
function ask(opener: Element | null): Promise<boolean> {
  const p = (parts ??= build());
  p.form.reset();
  say(p.problem, '');
  p.field.removeAttribute('aria-invalid');
  p.dialog.showModal();
  p.field.focus();
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
    asking ??= ask(opener).finally(() => (asking = undefined));
    if (!(await asking)) {
      throw new ApiFailure({ status: 403, error: 'step_up_required', message: 'Nothing was changed: this needs your password.' });
    }
    return action();
  }
}
