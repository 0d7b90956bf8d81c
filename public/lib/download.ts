/**
 * "Download PDF": the report is made by a POST (it costs the server real work and is rate
 * limited), so it cannot be a plain link. The answer is saved as a file under the name the
 * server gives in Content-Disposition.
 */
import type { Filters } from '../../src/figures/types.ts';
import { ApiFailure, api } from './api.ts';

export function fileNameFrom(disposition: string | null, fallback: string): string {
  if (disposition === null) return fallback;
  const star = /filename\*\s*=\s*UTF-8''([^;]+)/i.exec(disposition);
  if (star) {
    try {
      return decodeURIComponent(star[1]!.trim());
    } catch {
      // Malformed encoding: try the plain parameter.
    }
  }
  const plain = /filename\s*=\s*"([^"]*)"|filename\s*=\s*([^;\s]+)/i.exec(disposition);
  return plain?.[1] ?? plain?.[2] ?? fallback;
}

export function downloadMessage(error: unknown): string {
  if (!(error instanceof ApiFailure)) return 'Could not reach the server. Check your connection and try again.';
  const { status, retryAfter, message } = error.detail;
  if (status === 429) return `You have downloaded many reports; try again in ${retryAfter ?? 60} seconds.`;
  if (status === 503) return 'The report cannot be made right now. Please try again in a minute.';
  return message;
}

/** Fetches the report for these filters and saves it; resolves with the file name. */
export async function downloadReport(filters: Filters): Promise<string> {
  const response = await api('/api/reports/pdf', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ from: filters.from, to: filters.to, category: filters.category, metric: filters.metric }),
  });
  const name = fileNameFrom(response.headers.get('Content-Disposition'), 'dashboard-report.pdf');
  const url = URL.createObjectURL(await response.blob());
  try {
    const link = Object.assign(document.createElement('a'), { href: url, download: name, hidden: true });
    document.body.append(link);
    link.click();
    link.remove();
  } finally {
    // The click has handed the blob to the download; keep the URL a moment for slower browsers.
    setTimeout(() => URL.revokeObjectURL(url), 30_000);
  }
  return name;
}
