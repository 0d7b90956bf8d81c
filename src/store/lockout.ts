/**
 * Consecutive failed sign-ins, for the lockout (bot/lockout.ts). Kept in the shared database so
 * every process sees every failure; updated in the same write as the failure's audit row.
 */
import type { Query } from '../db/query.ts';

export interface FailureCount {
  readonly failures: number;
  readonly lastFailureAt: number;
}

export function failureCounts(q: Query, keys: readonly string[]): Map<string, FailureCount> {
  const out = new Map<string, FailureCount>();
  for (const key of keys) {
    const row = q.get<{ failures: number; last_failure_at: number }>('SELECT failures, last_failure_at FROM login_failures WHERE key = ?', [key]);
    if (row !== undefined) out.set(key, { failures: row.failures, lastFailureAt: row.last_failure_at });
  }
  return out;
}

export function addFailure(q: Query, keys: readonly string[], now: number): void {
  for (const key of keys) {
    q.run(
      `INSERT INTO login_failures (key, failures, last_failure_at) VALUES (?, 1, ?)
       ON CONFLICT (key) DO UPDATE SET failures = failures + 1, last_failure_at = excluded.last_failure_at`,
      [key, now],
    );
  }
}

export function clearFailures(q: Query, keys: readonly string[]): void {
  for (const key of keys) q.run('DELETE FROM login_failures WHERE key = ?', [key]);
}

/** Failures older than a day are forgotten: the lockout is never permanent. */
export function purgeFailures(q: Query, now: number): number {
  return q.run('DELETE FROM login_failures WHERE last_failure_at < ?', [now - 86_400]).changes;
}
