/**
 * `GET /api/dashboard/records.csv`: the records of the view on screen (the same filters, in the
 * table's order: `sort`, `dir`) as a CSV file named after the filters. A GET, since it changes
 * nothing; the page fetches it (so an expired access token is refreshed first) and saves it.
 */
import type { Hono } from 'hono';
import type { AppEnv } from '../http/context.ts';
import { AppError } from '../http/errors.ts';
import { requireSession } from '../auth/session.ts';
import { recordsCsv } from '../figures/export-csv.ts';
import { parseOrder } from '../figures/filters.ts';
import { asBadRequest, guardRead, requestFilters, type DashboardApiDeps } from './api.ts';
import { attachment, viewFileName } from './file-name.ts';

/** About 6 MB of CSV: more than any spreadsheet user scrolls, less than a host's memory cap minds. */
export const MAX_EXPORT_ROWS = 100_000;

export function exportRoutes(app: Hono<AppEnv>, deps: DashboardApiDeps): void {
  app.get('/api/dashboard/records.csv', requireSession(deps), async function recordsExport(c) {
    const filters = await requestFilters(c, deps.figures, deps.today());
    let order;
    try {
      order = parseOrder(c.req.query());
    } catch (error) {
      throw asBadRequest(error);
    }
    const view = await deps.figures.view(filters);
    if (view.summary.count > MAX_EXPORT_ROWS) {
      throw new AppError('bad_request', {
        message: `These filters match ${view.summary.count.toLocaleString('en')} records; an export holds at most ${MAX_EXPORT_ROWS.toLocaleString('en')}. Choose a shorter period or one category.`,
        details: { field: 'from' },
      });
    }
    // An export is the cheapest way to take the data whole: it counts against the same budgets.
    await guardRead(deps.guard, c, filters, view.summary.count, true);
    const rows = await deps.figures.rows(filters, MAX_EXPORT_ROWS, order);
    return c.body(recordsCsv(rows, view.format), 200, {
      'Content-Type': 'text/csv; charset=utf-8',
      'Content-Disposition': attachment(viewFileName(filters, 'csv')),
    });
  });
}
