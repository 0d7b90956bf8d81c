/**
 * Scraping limits on the data API (`/api/dashboard/...`), on top of the per-address request
 * limits: the figures are what a scraper wants, and a stolen or shared account is how it gets
 * them.
 * - Same origin only: a `Sec-Fetch-Site` other than `same-origin` (a browser telling us the
 *   read comes from another site, or from a typed address) is refused, and reads must carry the
 *   CSRF header as the page's own calls do (public/lib/api.ts): a cheap signal that the caller
 *   is the page, not a scraper replaying the cookie.
 * - Hard caps on what one request may ask: page size and the length of the period.
 * - Budgets per user and period: requests, and table rows served (charged before serving, by
 *   the page size asked, in units of ROW_UNIT rows). A User-Agent naming a scripting tool gets a
 *   tenth of each (user-agent.ts: a weak signal, never the only gate).
 * Refusals: `403` / `400` / `429` with the RateLimit headers, each recorded with its reason.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Context } from 'hono';
import type { ClientAddress } from '../http/client-ip.ts';
import { AppError } from '../http/errors.ts';
import type { Limiter } from '../ratelimit/limiter.ts';
import type { Rule } from '../ratelimit/store.ts';
import type { RefusalReason, RefusalRecorder } from './refusals.ts';
import type { AgentSignal } from './user-agent.ts';

/** Rows per unit of the row budget. */
export const ROW_UNIT = 50;

export interface DataApiPolicy {
  /** Requests per user (DATA_API_REQUESTS); unlimited when undefined. */
  readonly requests?: Rule;
  /** Table rows per user, in ROW_UNIT units (DATA_API_ROWS); unlimited when undefined. */
  readonly rows?: Rule;
  readonly maxPageSize: number;
  readonly maxDays: number;
  /** Sec-Fetch-Site and the CSRF header on reads (DATA_API_SAME_ORIGIN). */
  readonly sameOrigin: boolean;
}

export interface DataGuardDeps {
  readonly policy: DataApiPolicy;
  readonly limiter?: Limiter;
  readonly refusals: RefusalRecorder;
  readonly agent: AgentSignal;
  readonly clientAddress: ClientAddress;
}

export interface DataRead {
  readonly user: { readonly id: number; readonly username: string };
  /** The CSRF value bound into this session. */
  readonly csrf: string;
  /** Days in the period asked. */
  readonly days: number;
  /** Table rows asked for (the page size); 0 for the figures. */
  readonly rows: number;
  /** A whole-view export (records.csv): its rows count against the budget, past the page-size cap. */
  readonly bulk?: boolean;
}

/** A tenth of each window, at least one: the budget of a client that names a scripting tool. */
function tenth(rule: Rule): Rule {
  return { name: `${rule.name}-weak`, windows: rule.windows.map((w) => ({ ...w, limit: Math.max(1, Math.floor(w.limit / 10)) })) };
}

const digest = (text: string): Buffer => createHash('sha256').update(text).digest();

export type DataGuard = (c: Context, read: DataRead) => Promise<void>;

export function createDataGuard(deps: DataGuardDeps): DataGuard {
  const { policy, limiter } = deps;
  const weak = { requests: policy.requests && tenth(policy.requests), rows: policy.rows && tenth(policy.rows) };

  return async function guardData(c, read) {
    const ip = deps.clientAddress(c);
    const refuse = (reason: RefusalReason, error: AppError): never => {
      deps.refusals.record({ reason, ip, user: read.user.username, detail: c.req.path });
      throw error;
    };
    if (policy.sameOrigin) {
      const site = c.req.header('Sec-Fetch-Site');
      if (site !== undefined && site !== 'same-origin') refuse('cross_site', new AppError('forbidden', { message: 'The figures are served to the dashboard\u2019s own pages only.' }));
      const presented = c.req.header('X-CSRF-Token');
      if (presented === undefined || presented === '') refuse('csrf_read', new AppError('csrf_missing'));
      if (!timingSafeEqual(digest(presented!), digest(read.csrf))) refuse('csrf_read', new AppError('csrf_mismatch'));
    }
    if (read.bulk !== true && read.rows > policy.maxPageSize) {
      refuse('page_size', new AppError('bad_request', { message: `pageSize may be at most ${policy.maxPageSize}.`, details: { field: 'pageSize' } }));
    }
    if (read.days > policy.maxDays) {
      refuse('date_range', new AppError('bad_request', { message: `The period may be at most ${policy.maxDays} days long.`, details: { field: 'from' } }));
    }
    if (limiter === undefined) return;
    const flagged = deps.agent(c.req.header('User-Agent'));
    const key = `user:${read.user.id}`;
    const requests = flagged ? weak.requests : policy.requests;
    const rows = flagged ? weak.rows : policy.rows;
    try {
      if (requests !== undefined) await limiter.check(c, requests, key);
    } catch (error) {
      if (error instanceof AppError && error.code === 'rate_limited') refuse('data_budget', error);
      throw error;
    }
    if (rows === undefined || read.rows <= 0) return;
    const units = Math.ceil(read.rows / ROW_UNIT);
    // All but the last unit counted quietly; the last answers with the headers (or the 429).
    for (let i = 1; i < units; i += 1) {
      const decision = await limiter.count(rows, key);
      if (decision !== undefined && !decision.allowed) break;
    }
    try {
      await limiter.check(c, rows, key);
    } catch (error) {
      if (error instanceof AppError && error.code === 'rate_limited') refuse('row_budget', error);
      throw error;
    }
  };
}
