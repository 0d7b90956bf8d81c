/**
 * `POST /api/reports/pdf`: the current view (same filters as the page) as a PDF. The costliest
 * request the app serves, so it is limited per user (RATE_LIMIT_PDF), capped in rows (a
 * 100,000-row table is a 2,500-page file nobody reads: narrow the filters instead), and run one
 * at a time per process so a burst cannot multiply memory on a host that caps it.
 */
import type { Hono } from 'hono';
import type { AppContext, AppEnv } from '../http/context.ts';
import { readJsonObject } from '../http/body.ts';
import type { ClientAddress } from '../http/client-ip.ts';
import { AppError } from '../http/errors.ts';
import { requireSession, type Session, type SessionDeps } from '../auth/session.ts';
import { asBadRequest, requestFilters } from './api.ts';
import { attachment, viewFileName } from './file-name.ts';
import { parseOrder, parseSeriesRequest } from '../figures/filters.ts';
import type { Limiter } from '../ratelimit/limiter.ts';
import type { Rule } from '../ratelimit/store.ts';
import type { Store } from '../store/index.ts';
import type { Figures } from '../figures/figures.ts';
import { oneAtATime } from '../jobs/one-at-a-time.ts';
import type { ReportInput } from '../reports/report.ts';

export const MAX_REPORT_ROWS = 10_000;

export interface ReportRouteDeps extends SessionDeps {
  readonly figures: Figures;
  readonly store: Store;
  readonly organisation: string;
  readonly clientAddress: ClientAddress;
  /** Font loading and pdf-lib, wired by the server; rejects when the font cannot be loaded. */
  readonly renderReport: (input: ReportInput) => Promise<Uint8Array>;
  readonly today: () => string;
  readonly clock: () => Date;
  readonly limits?: { readonly limiter: Limiter; readonly pdf: Rule };
}

// The filters, and the table's order (`sort`, `dir`) so the report lists rows as the page did.
const FILTER_FIELDS = ['from', 'to', 'category', 'metric', 'sort', 'dir', 'interval', 'lines'] as const;

async function readFilterBody(c: AppContext): Promise<Record<string, string | undefined>> {
  const form = /^(application\/x-www-form-urlencoded|multipart\/form-data)\b/i.test(c.req.header('Content-Type') ?? '');
  const body: Record<string, unknown> = form ? await c.req.parseBody() : await readJsonObject(c);
  const filters: Record<string, string | undefined> = {};
  for (const field of FILTER_FIELDS) {
    const value = body[field];
    if (value === undefined || value === null) continue;
    if (typeof value !== 'string') throw new AppError('bad_request', { message: `${field} must be text.`, details: { field } });
    filters[field] = value;
  }
  return filters;
}

export function reportRoutes(app: Hono<AppEnv>, deps: ReportRouteDeps): void {
  const inTurn = oneAtATime();

  app.post('/api/reports/pdf', requireSession(deps), async function pdfReport(c) {
    const session = c.get('session') as Session;
    if (deps.limits !== undefined) await deps.limits.limiter.check(c, deps.limits.pdf, `user:${session.user.id}`);
    const body = await readFilterBody(c);
    const filters = await requestFilters(c, deps.figures, deps.today(), body);
    let order;
    let series;
    try {
      // Without a sort the report keeps its historical order: oldest first.
      order = body.sort === undefined && body.dir === undefined ? undefined : parseOrder(body);
      series = parseSeriesRequest(body);
    } catch (error) {
      throw asBadRequest(error);
    }
    const lines = body.lines as ReportInput['lines'];
    const view = await deps.figures.view(filters, series);
    if (view.summary.count > MAX_REPORT_ROWS) {
      throw new AppError('bad_request', {
        message: `These filters match ${view.summary.count.toLocaleString('en')} records; a report holds at most ${MAX_REPORT_ROWS.toLocaleString('en')}. Choose a shorter period or one category.`,
        details: { field: 'from' },
      });
    }
    const rows = await deps.figures.rows(filters, MAX_REPORT_ROWS, order);
    const generatedAt = deps.clock();
    let pdf: Uint8Array;
    try {
      pdf = await inTurn(() =>
        deps.renderReport({ title: 'Figures report', organisation: deps.organisation, generatedBy: session.user.displayName, generatedAt, filters, view, rows, ...(order === undefined ? {} : { order }), ...(lines === undefined ? {} : { lines }) }),
      );
    } catch (error) {
      // The font or pdf-lib failing is ours (logged with the request id), never the member's.
      throw new AppError('unavailable', { message: 'The report could not be made right now. Please try again shortly.', cause: error });
    }
    await deps.store.audit({
      action: 'report_pdf',
      outcome: 'success',
      actorId: session.user.id,
      actor: session.user.username,
      ip: deps.clientAddress(c),
      detail: `${filters.metric} ${filters.category ?? 'all'} ${filters.from}..${filters.to}, ${rows.length} rows`,
    });
    return c.body(pdf as Uint8Array<ArrayBuffer>, 200, {
      'Content-Type': 'application/pdf',
      'Content-Disposition': attachment(viewFileName(filters, 'pdf')),
      'Content-Length': String(pdf.byteLength),
    });
  });
}
