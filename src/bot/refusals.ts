/**
 * Every refusal by the defences (a blocked address, a missing or bad proof of work, a filled
 * decoy, a form sent too fast, a spent scraping budget, a cross-site read) is counted per address
 * and per account and written to the audit log with its reason — but not one write per refusal:
 * anyone can cause refusals at will, and each write of the shared database rewrites the file.
 * Refusals are gathered in memory and written together at most every `delayMs` (one write for a
 * flood of thousands), each (address, account, reason) as one audit row with its count. A crash
 * loses at most that many milliseconds of counts; a refusal is never delayed by the write.
 */
import type { Logger } from '../log/index.ts';
import type { AuditEntry, RefusalCount, Store } from '../store/index.ts';

export type RefusalReason =
  | 'blocked'
  | 'pow_missing'
  | 'pow_invalid'
  | 'pow_reused'
  | 'honeypot'
  | 'too_fast'
  | 'form_token'
  | 'cross_site'
  | 'csrf_read'
  | 'data_budget'
  | 'row_budget'
  | 'page_size'
  | 'date_range';

export interface Refusal {
  readonly reason: RefusalReason;
  readonly ip: string;
  /** The account named or signed in, if any. */
  readonly user?: string | undefined;
  /** A short detail for the audit row (a route, the decoy's name); never a secret. */
  readonly detail?: string | undefined;
}

export interface RefusalRecorder {
  record(refusal: Refusal): void;
  /** Writes what is gathered now (tests, and the admin page before it reads). */
  flush(): Promise<void>;
}

export interface RefusalDeps {
  readonly store: Store;
  readonly logger: Logger;
  /** Seconds. */
  readonly now: () => number;
  /** How long refusals gather before one write; 0 writes at the end of the turn. */
  readonly delayMs?: number;
}

/** Above this many distinct rows waiting, the oldest are counted but not itemised. */
const MAX_PENDING = 2000;

export function createRefusalRecorder(deps: RefusalDeps): RefusalRecorder {
  const delay = deps.delayMs ?? 1000;
  let pending = new Map<string, { refusal: Refusal; count: number; at: number }>();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let writing: Promise<void> = Promise.resolve();

  const flush = (): Promise<void> => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    const batch = [...pending.values()];
    pending = new Map();
    if (batch.length === 0) return writing;
    const counts: RefusalCount[] = [];
    const audit: Array<AuditEntry & { times: number }> = [];
    for (const { refusal, count, at } of batch) {
      counts.push({ kind: 'ip', subject: refusal.ip, reason: refusal.reason, count, at });
      if (refusal.user !== undefined) counts.push({ kind: 'user', subject: refusal.user, reason: refusal.reason, count, at });
      audit.push({
        action: 'refused',
        outcome: 'failure',
        actor: refusal.user?.slice(0, 100) ?? null,
        ip: refusal.ip,
        detail: refusal.detail === undefined ? refusal.reason : `${refusal.reason}: ${refusal.detail}`,
        times: count,
      });
    }
    writing = writing
      .then(() => deps.store.recordRefusals(counts, audit))
      .catch((error: unknown) => deps.logger.warn('could not record refused requests', { error: error instanceof Error ? error.message : 'unknown' }));
    return writing;
  };

  return {
    record(refusal) {
      // One line each in the log as well: Apache's error log is where an admin looks first.
      deps.logger.info('refused', { reason: refusal.reason, ip: refusal.ip, ...(refusal.user === undefined ? {} : { user: refusal.user.slice(0, 100) }) });
      const key = `${refusal.reason}\u0000${refusal.ip}\u0000${refusal.user ?? ''}\u0000${refusal.detail ?? ''}`;
      const entry = pending.get(key);
      if (entry !== undefined) entry.count += 1;
      else if (pending.size < MAX_PENDING) pending.set(key, { refusal, count: 1, at: deps.now() });
      else {
        const { detail: _detail, ...bare } = refusal;
        const overflow = `${refusal.reason}\u0000${refusal.ip}`;
        const known = pending.get(overflow);
        if (known !== undefined) known.count += 1;
        else pending.set(overflow, { refusal: bare, count: 1, at: deps.now() });
      }
      if (timer === undefined) {
        timer = setTimeout(() => void flush(), delay);
        timer.unref?.();
      }
    },
    flush,
  };
}
