/**
 * Admins only (the form is in the page only for them): the unit and decimal places of the metric
 * on screen. Saving reloads the figures, which then print with the new format everywhere.
 */
import type { MetricFormat } from '../../src/figures/types.ts';
import { ApiFailure, sendJson } from './api.ts';

export function wireMetricFormat(reload: () => void): { sync(format: MetricFormat): void } | undefined {
  const form = document.getElementById('metric-format-form') as HTMLFormElement | null;
  if (form === null) return undefined;
  const unit = form.elements.namedItem('unit') as HTMLInputElement;
  const decimals = form.elements.namedItem('decimals') as HTMLSelectElement;
  const status = document.getElementById('mf-status')!;
  let metric = '';
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    for (const field of [unit, decimals]) field.removeAttribute('aria-invalid');
    status.textContent = 'Saving\u2026';
    try {
      const body = { unit: unit.value.trim() === '' ? null : unit.value.trim(), decimals: decimals.value === '' ? null : Number(decimals.value) };
      await sendJson(`/api/admin/metrics/${encodeURIComponent(metric)}`, 'PUT', body);
      status.textContent = 'Saved.';
      reload();
    } catch (error) {
      const detail = error instanceof ApiFailure ? error.detail : undefined;
      if (detail?.field === 'unit' || detail?.field === 'decimals') (detail.field === 'unit' ? unit : decimals).setAttribute('aria-invalid', 'true');
      status.textContent = detail?.message ?? 'Could not save. Check your connection and try again.';
    }
  });
  return {
    sync(format) {
      metric = format.metric;
      unit.value = format.set ? format.unit : '';
      decimals.value = format.set ? String(format.decimals) : '';
      const auto = decimals.querySelector<HTMLOptionElement>('option[value=""]');
      if (auto !== null) auto.textContent = `From the data (${format.set ? 'when reset' : format.decimals})`;
    },
  };
}
