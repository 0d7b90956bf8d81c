/**
 * Disabling the focused button drops the focus to <body>, sending a keyboard or screen-reader
 * user back to the top of the page. These keep it where the user was.
 */

/** Sets `disabled`; if that button held the focus, the focus moves to `fallback` first. */
export function setDisabled(button: HTMLButtonElement, disabled: boolean, fallback: HTMLElement): void {
  if (disabled && document.activeElement === button && !button.disabled) fallback.focus();
  button.disabled = disabled;
}

/**
 * While `work` runs, the button says it is busy (aria-disabled, ignored clicks) but stays
 * focusable, so the focus is still on it afterwards.
 */
export async function whileBusy<T>(button: HTMLButtonElement, work: () => Promise<T>): Promise<T | undefined> {
  if (button.getAttribute('aria-disabled') === 'true') return undefined;
  button.setAttribute('aria-disabled', 'true');
  try {
    return await work();
  } finally {
    button.removeAttribute('aria-disabled');
  }
}

/**
 * Keeps Tab and Shift+Tab inside a modal dialog: past its last control to its first and back.
 * showModal() makes the page behind inert, but the focus would still leave for the browser's own
 * controls. Hidden and disabled controls are skipped.
 */
export function keepTabInside(dialog: HTMLDialogElement): void {
  dialog.addEventListener('keydown', (event) => {
    if (event.key !== 'Tab') return;
    const stops = [...dialog.querySelectorAll<HTMLElement>('input, button, a[href]')].filter((el) => !el.hasAttribute('disabled') && el.closest('[hidden]') === null);
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
}
