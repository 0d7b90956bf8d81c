/**
 * A closed <select> walked with the arrow keys fires `change` at every step (Chromium, Firefox
 * on Windows and Linux): applying each would load the figures and add a history entry per key
 * press. Changes made by keys are applied when the choice is committed (Enter, or leaving the
 * list); a choice made in the open list (mouse, touch, the popup's own keys) applies at once.
 */
const BROWSING_KEYS = /^(Arrow(Up|Down|Left|Right)|Home|End|Page(Up|Down))$|^.$/u;

export function applyOnCommit(select: HTMLSelectElement, apply: () => void): void {
  /** A key is down: the `change` it causes is a step, not a choice. */
  let keyed = false;
  /** Steps were taken and not yet applied. */
  let pending = false;
  const commit = (): void => {
    pending = false;
    apply();
  };
  select.addEventListener('keydown', (event) => {
    if (event.key === 'Enter') {
      if (pending) {
        event.preventDefault();
        commit();
      }
      return;
    }
    keyed = !event.altKey && !event.ctrlKey && !event.metaKey && BROWSING_KEYS.test(event.key);
  });
  select.addEventListener('keyup', () => (keyed = false));
  select.addEventListener('change', () => {
    if (keyed) pending = true;
    else commit();
  });
  select.addEventListener('blur', () => {
    if (pending) commit();
  });
}
