/**
 * "Are you sure?" before an admin action that takes something away (disabling an account,
 * changing a role, ending someone's sessions). A native modal <dialog>: the page behind is inert,
 * it is named by its heading and described by its text, the focus starts on Cancel (the safe
 * choice), Escape cancels, Tab stays inside, and the focus returns to the button that opened it.
 */
import { h } from './dom.ts';
import { keepTabInside } from './focus.ts';

export interface Confirmation {
  readonly title: string;
  readonly text: string;
  /** The confirming button's words, saying what it does ("Disable alice"). */
  readonly action: string;
}

let open: Promise<boolean> | undefined;

export function confirmAction(what: Confirmation, opener: Element | null = document.activeElement): Promise<boolean> {
  // One question at a time: a second click while one is open gets the same answer.
  open ??= ask(what, opener).finally(() => (open = undefined));
  return open;
}

function ask(what: Confirmation, opener: Element | null): Promise<boolean> {
  const yes = h('button', { type: 'button', class: 'danger' }, what.action);
  const no = h('button', { type: 'button', class: 'secondary' }, 'Cancel');
  const dialog = h(
    'dialog',
    { id: 'confirm', class: 'dialog', 'aria-labelledby': 'confirm-title', 'aria-describedby': 'confirm-text' },
    h('h2', { id: 'confirm-title' }, what.title),
    h('p', { id: 'confirm-text' }, what.text),
    h('div', { class: 'actions' }, yes, no),
  );
  document.body.append(dialog);
  dialog.showModal();
  no.focus();
  return new Promise<boolean>((resolve) => {
    const settle = (answer: boolean): void => {
      if (dialog.open) dialog.close();
      dialog.remove();
      if (opener instanceof HTMLElement && opener.isConnected) opener.focus();
      resolve(answer);
    };
    yes.addEventListener('click', () => settle(true));
    no.addEventListener('click', () => settle(false));
    dialog.addEventListener('cancel', (event) => {
      event.preventDefault();
      settle(false);
    });
    keepTabInside(dialog);
  });
}
