/** The audit log: who did what, from where, with what outcome. Written in the same transaction as the act. */
import type { Query } from '../db/query.ts';

export interface AuditEntry {
  readonly action: string;
  readonly outcome: 'success' | 'failure' | 'alarm';
  readonly actorId?: number | null;
  readonly actor?: string | null;
  readonly target?: string | null;
  readonly ip?: string | null;
  readonly detail?: string | null;
}

export interface AuditRecord extends AuditEntry {
  readonly id: number;
  readonly at: number;
  /** How many events the row stands for: 1, or more on the row that counts a day's failed sign-ins past the cap. */
  readonly times: number;
}

export interface AuditFilter {
  readonly action?: string;
  readonly actor?: string;
  readonly outcome?: string;
  readonly since?: number;
  readonly until?: number;
  readonly limit?: number;
  readonly beforeId?: number;
}

/** Entries older than this are removed by the periodic purge (the file must stay small). */
export const AUDIT_RETENTION_SECONDS = 400 * 86_400;

/**
 * Failed sign-ins are what an attacker can write at will (every write rewrites the whole file,
 * so the file's size is every sign-out's latency): they are kept 30 days, not 400, and at most
 * FAILURE_ROWS_PER_DAY a day one by one; past that, one row a day counts the rest.
 */
export const FAILURE_RETENTION_SECONDS = 30 * 86_400;
export const FAILURE_ROWS_PER_DAY = 500;
const OVERFLOW = 'more failed sign-ins than the day\u2019s limit of rows: counted here, not listed';

/** A failed sign-in: its own row while the day has room, else one more on the day's overflow row. */
export function insertFailure(q: Query, entry: AuditEntry, now: number): void {
  const day = now - (now % 86_400);
  const today = q.get<{ n: number }>("SELECT COUNT(*) AS n FROM audit_log WHERE action = ? AND outcome = 'failure' AND at >= ?", [entry.action, day])?.n ?? 0;
  if (today < FAILURE_ROWS_PER_DAY) return insertAudit(q, entry, now);
  const overflow = q.get<{ id: number }>("SELECT id FROM audit_log WHERE action = ? AND outcome = 'failure' AND at >= ? AND detail = ?", [entry.action, day, OVERFLOW]);
  if (overflow === undefined) {
    q.run("INSERT INTO audit_log (at, action, outcome, detail, times) VALUES (?, ?, 'failure', ?, 1)", [now, entry.action, OVERFLOW]);
  } else {
    q.run('UPDATE audit_log SET times = times + 1, at = ? WHERE id = ?', [now, overflow.id]);
  }
}

/**
 * A batch of refusals by the anti-bot defences (bot/refusals.ts), `times` events on one row: capped
 * per day like failed sign-ins, since anyone can cause them at will.
 */
export function insertRefusalAudit(q: Query, entry: AuditEntry & { times?: number }, now: number): void {
  const day = now - (now % 86_400);
  const times = Math.max(1, entry.times ?? 1);
  const today = q.get<{ n: number }>("SELECT COUNT(*) AS n FROM audit_log WHERE action = ? AND outcome = 'failure' AND at >= ?", [entry.action, day])?.n ?? 0;
  if (today < FAILURE_ROWS_PER_DAY) {
    insertAudit(q, entry, now);
    if (times > 1) q.run('UPDATE audit_log SET times = ? WHERE id = last_insert_rowid()', [times]);
    return;
  }
  const overflow = q.get<{ id: number }>("SELECT id FROM audit_log WHERE action = ? AND outcome = 'failure' AND at >= ? AND detail = ?", [entry.action, day, OVERFLOW]);
  if (overflow === undefined) q.run("INSERT INTO audit_log (at, action, outcome, detail, times) VALUES (?, ?, 'failure', ?, ?)", [now, entry.action, OVERFLOW, times]);
  else q.run('UPDATE audit_log SET times = times + ?, at = ? WHERE id = ?', [times, now, overflow.id]);
}

/**
 * Who acted, by name: an entry made with only the actor's id (a sign-out knows the token's
 * subject, not the name) gets the name from the users table; older rows are named on reading.
 */
const ACTOR = 'COALESCE(actor, (SELECT username FROM users WHERE users.id = audit_log.actor_id))';

export function insertAudit(q: Query, entry: AuditEntry, now: number): void {
  const actor = entry.actor ?? (entry.actorId == null ? undefined : q.get<{ username: string }>('SELECT username FROM users WHERE id = ?', [entry.actorId])?.username);
  q.run('INSERT INTO audit_log (at, actor_id, actor, action, target, ip, outcome, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?)', [
    now,
    entry.actorId ?? null,
    actor?.slice(0, 200) ?? null,
    entry.action,
    entry.target?.slice(0, 200) ?? null,
    entry.ip ?? null,
    entry.outcome,
    entry.detail?.slice(0, 500) ?? null,
  ]);
}

export function listAudit(q: Query, filter: AuditFilter): AuditRecord[] {
  const where: string[] = [];
  const params: Array<string | number> = [];
  if (filter.action !== undefined) (where.push('action = ?'), params.push(filter.action));
  if (filter.actor !== undefined) (where.push(`${ACTOR} = ?`), params.push(filter.actor));
  if (filter.outcome !== undefined) (where.push('outcome = ?'), params.push(filter.outcome));
  if (filter.since !== undefined) (where.push('at >= ?'), params.push(filter.since));
  if (filter.until !== undefined) (where.push('at < ?'), params.push(filter.until));
  if (filter.beforeId !== undefined) (where.push('id < ?'), params.push(filter.beforeId));
  params.push(Math.min(Math.max(filter.limit ?? 100, 1), 500));
  return q
    .all<{ id: number; at: number; actor_id: number | null; actor: string | null; action: string; target: string | null; ip: string | null; outcome: string; detail: string | null; times: number }>(
      `SELECT id, at, actor_id, ${ACTOR} AS actor, action, target, ip, outcome, detail, times FROM audit_log
       ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`,
      params,
    )
    .map((row) => ({
      id: row.id,
      at: row.at,
      actorId: row.actor_id,
      actor: row.actor,
      action: row.action,
      target: row.target,
      ip: row.ip,
      outcome: row.outcome as AuditEntry['outcome'],
      detail: row.detail,
      times: row.times,
    }));
}

export function purgeAudit(q: Query, now: number): number {
  const failures = q.run("DELETE FROM audit_log WHERE action IN ('login', 'refused') AND outcome = 'failure' AND at < ?", [now - FAILURE_RETENTION_SECONDS]).changes;
  return failures + q.run('DELETE FROM audit_log WHERE at < ?', [now - AUDIT_RETENTION_SECONDS]).changes;
}
