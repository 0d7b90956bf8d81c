/**
 * "Download PDF": the report is made by a POST (it costs the server real work and is rate
 * limited), so it cannot be a plain link. "Download CSV" is a GET, fetched the same way so that
 * an expired access token is refreshed first. Both answers are saved as files under the name the
 * server makes from the filters (Content-Disposition).
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

/** What the page shows beyond the filters: the table's order and the chart's interval and lines. */
export interface ViewExtras {
  readonly sort?: string;
  readonly dir?: string;
  readonly interval?: string;
  readonly lines?: string;
}

async function save(response: Response, fallback: string): Promise<string> {
  const name = fileNameFrom(response.headers.get('Content-Disposition'), fallback);
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

/** Fetches the report for these filters (in the table's order, the chart as drawn) and saves it; resolves with the file name. */
export async function downloadReport(filters: Filters, extras: ViewExtras = {}): Promise<string> {
  const response = await api('/api/reports/pdf', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ from: filters.from, to: filters.to, category: filters.category, metric: filters.metric, ...extras }),
  });
  return save(response, 'dashboard-report.pdf');
}

/** The records of the view as CSV, in the table's order. */
export async function downloadCsv(filters: Filters, extras: Pick<ViewExtras, 'sort' | 'dir'> = {}): Promise<string> {
  const query = new URLSearchParams({ from: filters.from, to: filters.to, metric: filters.metric });
  if (filters.category !== null) query.set('category', filters.category);
  if (extras.sort !== undefined) query.set('sort', extras.sort);
  if (extras.dir !== undefined) query.set('dir', extras.dir);
  return save(await api(`/api/dashboard/records.csv?${query}`), 'records.csv');
}
