/** Admin API: the audit log, newest first, filtered, paged by id cursor (stable while new entries arrive). */
import type { Hono } from 'hono';
import type { AppEnv } from '../http/context.ts';
import { AppError } from '../http/errors.ts';
import type { AuditFilter, Store } from '../store/index.ts';

const OUTCOMES = new Set(['success', 'failure', 'alarm']);

function optionalText(value: string | undefined, field: string): string | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  if (value.length > 200) throw new AppError('bad_request', { message: `${field} is too long.`, details: { field } });
  return value.trim();
}

function optionalInteger(value: string | undefined, field: string, min: number, max: number): number | undefined {
  if (value === undefined || value === '') return undefined;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new AppError('bad_request', { message: `${field} must be a whole number from ${min} to ${max}.`, details: { field } });
  }
  return n;
}

/**
 * Every action the app writes to the log, with the words an admin reads; the page's filter lists
 * them, and shows these words in the log instead of the internal names. A name missing here
 * (a newer feature's) is still filterable and shown as it is.
 */
export const AUDIT_ACTIONS: Readonly<Record<string, string>> = {
  login: 'Sign-in',
  logout: 'Sign-out',
  logout_all: 'Signed out everywhere',
  refresh_reuse: 'Stolen session suspected',
  step_up: 'Password confirmed',
  user_create: 'User added',
  user_update: 'User changed',
  user_password: 'Password reset',
  data_import: 'Data import',
  report_pdf: 'PDF report',
  sso_wordpress: 'Sign-in with WordPress',
  metric_format: 'Metric unit and decimals',
  refused: 'Refused as a robot or scraper',
  lift_lockout: 'Lockout lifted',
  block: 'Address blocked',
  unblock: 'Address unblocked',
};

export function adminAuditRoutes(app: Hono<AppEnv>, deps: { readonly store: Store }): void {
  // What the filters can be: the known actions by name, and the accounts (actors are usernames).
  app.get('/api/admin/audit/options', async function auditOptions(c) {
    const users = await deps.store.listUsers();
    return c.json({
      actions: Object.entries(AUDIT_ACTIONS).map(([value, label]) => ({ value, label })),
      actors: users.map((u) => u.username).sort((a, b) => a.localeCompare(b)),
    });
  });

  app.get('/api/admin/audit', async function auditLog(c) {
    const query = c.req.query();
    const outcome = optionalText(query.outcome, 'outcome');
    if (outcome !== undefined && !OUTCOMES.has(outcome)) {
      throw new AppError('bad_request', { message: 'outcome must be success, failure or alarm.', details: { field: 'outcome' } });
    }
    const limit = optionalInteger(query.limit, 'limit', 1, 200) ?? 50;
    const filter: AuditFilter = {
      action: optionalText(query.action, 'action'),
      actor: optionalText(query.actor, 'actor'),
      outcome,
      beforeId: optionalInteger(query.before, 'before', 1, Number.MAX_SAFE_INTEGER),
      // One more than asked: tells whether there is an older page without a count query.
      limit: limit + 1,
    };
    const rows = await deps.store.listAudit(filter);
    const entries = rows.slice(0, limit).map(({ actorId: _actorId, ...entry }) => entry);
    const last = entries.at(-1);
    return c.json({ entries, next: rows.length > limit && last !== undefined ? last.id : null });
  });
}
