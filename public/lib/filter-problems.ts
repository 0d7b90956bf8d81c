/**
 * A filter the server refused (a bad date or an unknown metric in a bookmarked URL): the plain
 * message beside its field, the field marked invalid and pointing at the message. The page goes
 * on with that filter left at its default, so the lists, figures and "Reset filters" all work.
 */
export const FILTER_FIELDS: readonly string[] = ['from', 'to', 'category', 'metric'];

export function showFieldProblem(form: HTMLFormElement, field: string, message: string): void {
  const control = form.elements.namedItem(field);
  const slot = document.getElementById(`f-${field}-error`);
  if (!(control instanceof HTMLElement) || slot === null) return;
  slot.textContent = `${message} The figures below leave it out.`;
  slot.hidden = false;
  control.setAttribute('aria-invalid', 'true');
  const described = (control.getAttribute('aria-describedby') ?? '').split(' ').filter((id) => id !== '' && id !== slot.id);
  control.setAttribute('aria-describedby', [slot.id, ...described].join(' '));
}

export function clearFieldProblems(form: HTMLFormElement): void {
  for (const field of FILTER_FIELDS) {
    const slot = document.getElementById(`f-${field}-error`);
    if (slot !== null) {
      slot.hidden = true;
      slot.textContent = '';
    }
    const control = form.elements.namedItem(field);
    if (!(control instanceof HTMLElement)) continue;
    control.removeAttribute('aria-invalid');
    const rest = (control.getAttribute('aria-describedby') ?? '').split(' ').filter((id) => id !== '' && id !== `f-${field}-error`);
    if (rest.length > 0) control.setAttribute('aria-describedby', rest.join(' '));
    else control.removeAttribute('aria-describedby');
  }
}
