/**
 * The dashboard's figures (`/api/dashboard/...`): filters from the query string — the same
 * names the page keeps in its URL — validated against what the data holds, so a typo is a
 * `400` naming the field rather than an empty chart. `GET /api/dashboard/figures` also takes
 * `interval` (day, week, month; auto when absent), `GET /api/dashboard/records.csv` the table's
 * `sort` and `dir` (export.ts).
 */
import type { Hono } from 'hono';
import type { AppContext, AppEnv } from '../http/context.ts';
import { AppError } from '../http/errors.ts';
import { requireSession, type SessionDeps } from '../auth/session.ts';
import type { Figures } from '../figures/figures.ts';
import { FilterError, parseFilters, parseSeriesRequest, parseTableRequest } from '../figures/filters.ts';
import type { Filters } from '../figures/types.ts';

export interface DashboardApiDeps extends SessionDeps {
  readonly figures: Figures;
  /** Today as YYYY-MM-DD (UTC): the default end of a range when there is no data yet. */
  readonly today: () => string;
}

/** FilterError (pure, no HTTP) → `400 bad_request` with the field the page highlights. */
export function asBadRequest(error: unknown): unknown {
  return error instanceof FilterError ? new AppError('bad_request', { message: error.message, details: { field: error.field }, cause: error }) : error;
}

export async function requestFilters(c: AppContext, figures: Figures, today: string, source?: Record<string, string | undefined>): Promise<Filters> {
  const options = await figures.options();
  try {
    return parseFilters(source ?? c.req.query(), options, today);
  } catch (error) {
    throw asBadRequest(error);
  }
}

export function dashboardApi(app: Hono<AppEnv>, deps: DashboardApiDeps): void {
  const session = requireSession(deps);
  const { figures } = deps;

  app.get('/api/dashboard/figures', session, async function dashboardFigures(c) {
    const filters = await requestFilters(c, figures, deps.today());
    let series;
    try {
      series = parseSeriesRequest(c.req.query());
    } catch (error) {
      throw asBadRequest(error);
    }
    return c.json(await figures.view(filters, series));
  });

  app.get('/api/dashboard/table', session, async function dashboardTable(c) {
    const filters = await requestFilters(c, figures, deps.today());
    let request;
    try {
      request = parseTableRequest(c.req.query());
    } catch (error) {
      throw asBadRequest(error);
    }
    return c.json(await figures.table(filters, request));
  });
}
