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
import type { DataGuard } from '../bot/scrape.ts';

export interface DashboardApiDeps extends SessionDeps {
  readonly figures: Figures;
  /** Today as YYYY-MM-DD (UTC): the default end of a range when there is no data yet. */
  readonly today: () => string;
  /** Scraping limits (bot/scrape.ts): same-origin reads, caps, per-user budgets; none when omitted. */
  readonly guard?: DataGuard;
}

/** Days from `from` to `to`, both included. */
function periodDays(filters: Filters): number {
  return Math.round((Date.parse(`${filters.to}T00:00:00Z`) - Date.parse(`${filters.from}T00:00:00Z`)) / 86_400_000) + 1;
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

/** The scraping limits for one read of `rows` records (none when the guard is off). */
export function guardRead(guard: DataGuard | undefined, c: AppContext, filters: Filters, rows: number, bulk = false): Promise<void> | undefined {
  if (guard === undefined) return undefined;
  const session = c.get('session');
  return guard(c, { user: session.user, csrf: session.claims.csrf, days: periodDays(filters), rows, bulk });
}

export function dashboardApi(app: Hono<AppEnv>, deps: DashboardApiDeps): void {
  const session = requireSession(deps);
  const { figures, guard } = deps;
  const guarded = (c: AppContext, filters: Filters, rows: number): Promise<void> | undefined => guardRead(guard, c, filters, rows);

  app.get('/api/dashboard/figures', session, async function dashboardFigures(c) {
    const filters = await requestFilters(c, figures, deps.today());
    let series;
    try {
      series = parseSeriesRequest(c.req.query());
    } catch (error) {
      throw asBadRequest(error);
    }
    await guarded(c, filters, 0);
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
    await guarded(c, filters, request.pageSize);
    return c.json(await figures.table(filters, request));
  });
}
