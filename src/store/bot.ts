/**
 * The anti-bot defences' shared state (bot/): spent proof-of-work solutions, refusal counts per
 * address and account, and the admin's blocks. In the shared database so that every process
 * agrees: a solution spent in one is refused by all, a block made in one is honoured by all.
 */
import type { Query } from '../db/query.ts';

export interface BlockRecord {
  readonly id: number;
  /** Normalised: `203.0.113.0/24`, `2001:db8::/32`, or a single address with its full prefix. */
  readonly cidr: string;
  readonly reason: string | null;
  readonly createdBy: string | null;
  readonly createdAt: number;
}

export interface RefusalCount {
  readonly kind: 'ip' | 'user';
  readonly subject: string;
  readonly reason: string;
  readonly count: number;
  /** Seconds. */
  readonly at: number;
}

export interface RefusalTotal {
  readonly subject: string;
  readonly count: number;
  readonly lastAt: number;
  /** reason → count */
  readonly reasons: Readonly<Record<string, number>>;
}

/** True when this solution had not been spent: it is now. */
export function spendPow(q: Query, challenge: string, expiresAt: number): boolean {
  return q.run('INSERT OR IGNORE INTO pow_spent (challenge, expires_at) VALUES (?, ?)', [challenge, expiresAt]).changes === 1;
}

export function purgePow(q: Query, now: number): number {
  return q.run('DELETE FROM pow_spent WHERE expires_at <= ?', [now]).changes;
}

export function addRefusals(q: Query, counts: readonly RefusalCount[]): void {
  for (const c of counts) {
    q.run(
      `INSERT INTO refusal_counts (kind, subject, reason, hour, count, last_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (kind, subject, reason, hour) DO UPDATE SET count = count + excluded.count, last_at = max(last_at, excluded.last_at)`,
      [c.kind, c.subject.slice(0, 200), c.reason, c.at - (c.at % 3600), c.count, c.at],
    );
  }
}

/** The subjects of `kind` refused most since `since` (seconds), with their reasons. */
export function topRefused(q: Query, kind: 'ip' | 'user', since: number, limit: number): RefusalTotal[] {
  const rows = q.all<{ subject: string; reason: string; n: number; last: number }>(
    `SELECT subject, reason, SUM(count) AS n, MAX(last_at) AS last FROM refusal_counts
     WHERE kind = ? AND hour >= ? GROUP BY subject, reason`,
    [kind, since - (since % 3600)],
  );
  const totals = new Map<string, { count: number; lastAt: number; reasons: Record<string, number> }>();
  for (const row of rows) {
    const total = totals.get(row.subject) ?? { count: 0, lastAt: 0, reasons: {} };
    total.count += row.n;
    total.lastAt = Math.max(total.lastAt, row.last);
    total.reasons[row.reason] = (total.reasons[row.reason] ?? 0) + row.n;
    totals.set(row.subject, total);
  }
  return [...totals]
    .map(([subject, t]) => ({ subject, ...t }))
    .sort((a, b) => b.count - a.count || b.lastAt - a.lastAt)
    .slice(0, limit);
}

/** Hours are kept two days: the admin page looks back one. */
export function purgeRefusals(q: Query, now: number): number {
  return q.run('DELETE FROM refusal_counts WHERE hour < ?', [now - 2 * 86_400]).changes;
}

export function listBlocks(q: Query): BlockRecord[] {
  return q
    .all<{ id: number; cidr: string; reason: string | null; created_by: string | null; created_at: number }>(
      'SELECT id, cidr, reason, created_by, created_at FROM blocks ORDER BY id',
    )
    .map((r) => ({ id: r.id, cidr: r.cidr, reason: r.reason, createdBy: r.created_by, createdAt: r.created_at }));
}

/** The new block, or undefined when that range is blocked already. */
export function insertBlock(q: Query, block: { cidr: string; reason: string | null; createdBy: string | null }, now: number): BlockRecord | undefined {
  const { changes } = q.run('INSERT OR IGNORE INTO blocks (cidr, reason, created_by, created_at) VALUES (?, ?, ?, ?)', [
    block.cidr,
    block.reason?.slice(0, 200) ?? null,
    block.createdBy,
    now,
  ]);
  if (changes === 0) return undefined;
  return listBlocks(q).find((b) => b.cidr === block.cidr);
}

export function deleteBlock(q: Query, id: number): BlockRecord | undefined {
  const found = listBlocks(q).find((b) => b.id === id);
  if (found !== undefined) q.run('DELETE FROM blocks WHERE id = ?', [id]);
  return found;
}

/** Failure counts of at least `minimum`, under keys starting with `prefix` (the lockout's keys). */
export function failuresAtLeast(q: Query, prefix: string, minimum: number): Array<{ key: string; failures: number; lastFailureAt: number }> {
  return q
    .all<{ key: string; failures: number; last_failure_at: number }>(
      "SELECT key, failures, last_failure_at FROM login_failures WHERE key >= ? AND key < ? || char(1114111) AND failures >= ? ORDER BY last_failure_at DESC LIMIT 500",
      [prefix, prefix, minimum],
    )
    .map((r) => ({ key: r.key, failures: r.failures, lastFailureAt: r.last_failure_at }));
}

/** Clears the keys starting with any of `prefixes`; returns how many rows went. */
export function clearFailurePrefixes(q: Query, prefixes: readonly string[]): number {
  let removed = 0;
  for (const prefix of prefixes) removed += q.run("DELETE FROM login_failures WHERE key >= ? AND key < ? || char(1114111)", [prefix, prefix]).changes;
  return removed;
}
