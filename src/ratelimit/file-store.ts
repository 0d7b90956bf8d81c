/**
 * `file://DIR`: exact rate limiting across every process of the app, with no lock.
 *
 * Each window length and window (`w60-29841120.log`: the minute starting at that index) has one
 * journal file. A request appends one line, `<process.seq> <key>`, with O_APPEND: the kernel
 * places each append whole at the end, so the file is one order of events that every process
 * reads identically. The process then reads the journal up to its own line; the request's rank
 * among its key's lines decides — admitted if rank <= limit. Every process computes the same
 * ranks from the same bytes, so together they never admit more than the limit, and, unlike a
 * check-then-write, never fewer either.
 *
 * Group commit: the requests that arrive in one turn of the event loop are appended in one
 * write and ranked by one read at the end of that turn (setImmediate), so under load a turn's
 * dozens of requests cost two system calls instead of two each. One write() of several lines is
 * placed whole like one of a single line, so the ranks mean the same; a request waits at most
 * until the end of the turn it arrived in.
 *
 * Why not a lock-file read-modify-write: measured here at ~4k operations a second, against
 * hundreds of thousands for appends. A crash (kill -9) leaves at worst a torn last line, which
 * every reader skips the same way; there is no lock to go stale, and a restarted process
 * rebuilds its counts by reading the journal. Disk stays bounded: a key that has reached its
 * limit appends nothing more (a refused flood writes nothing), and a window's file is deleted
 * once the next window is over.
 */
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import path from 'node:path';
import { Journal, RateLimitStorageError, type JournalFs } from './journal.ts';
import { decide, windowIndex, windowReset, type Decision, type RateLimitStore, type Rule, type WindowState } from './store.ts';

export { RateLimitStorageError, type JournalFs } from './journal.ts';

export interface FileStoreOptions {
  readonly dir: string;
  /** A window's journal may not grow past this: past it, that window is counted in each process's memory. */
  readonly maxFileBytes?: number;
  /** Told once per window that reaches the cap (the server logs a warning). */
  readonly onCapped?: () => void;
  readonly fs?: JournalFs;
}

const FILE = /^w(\d+)-(\d+)\.log$/;

/** Keys longer than this are stored by their hash: a line's size must not be the client's choice. */
const MAX_KEY = 80;

/**
 * A key as the journal stores it: one line per record (no line breaks), and at most MAX_KEY
 * characters, so that a flood of 200-character usernames costs no more disk than short ones.
 */
export function journalKey(ruleName: string, key: string): string {
  const named = `${ruleName}/${key}`;
  if (named.length <= MAX_KEY && !named.includes('\n') && !named.includes('\r')) return named;
  return `${ruleName}/#${createHash('sha256').update(key).digest('base64url')}`;
}

/** Past this many requests waiting in one turn, the batch is written at once. */
const MAX_BATCH = 512;

interface Slot {
  readonly limit: number;
  readonly windowSeconds: number;
  readonly journal: Journal;
  readonly resetAt: number;
}

/** A request whose line is in this turn's batch. */
interface Waiting {
  readonly slots: readonly Slot[];
  /** Its line's place in each slot's batch. */
  readonly places: readonly number[];
  readonly now: number;
  readonly resolve: (decision: Decision) => void;
  readonly reject: (error: Error) => void;
}

export function createFileStore(options: FileStoreOptions): RateLimitStore {
  const fsImpl = options.fs ?? fs;
  const maxFileBytes = options.maxFileBytes ?? 256 * 1024 * 1024;
  const tag = `${randomBytes(6).toString('base64url')}.`;
  let sequence = 0;
  let ready = false;
  // window length → the journal of its current window
  const open = new Map<number, { index: number; journal: Journal }>();
  let waiting: Waiting[] = [];
  let scheduled = false;

  /** Writes this turn's batch and answers its requests. Never throws: failures reject them. */
  const commit = (): void => {
    scheduled = false;
    if (waiting.length === 0) return;
    const batch = waiting;
    waiting = [];
    const outcomes = new Map<Journal, number[] | RateLimitStorageError>();
    for (const request of batch) {
      for (const { journal } of request.slots) {
        if (outcomes.has(journal)) continue;
        try {
          const wasCapped = journal.capped;
          outcomes.set(journal, journal.commit(maxFileBytes, tag));
          if (journal.capped && !wasCapped) options.onCapped?.();
        } catch (error) {
          outcomes.set(journal, storageError(error));
        }
      }
    }
    for (const request of batch) {
      const windows: WindowState[] = [];
      let failure: RateLimitStorageError | undefined;
      for (let i = 0; i < request.slots.length; i += 1) {
        const slot = request.slots[i]!;
        const outcome = outcomes.get(slot.journal)!;
        const rank = Array.isArray(outcome) ? outcome[request.places[i]!] : undefined;
        if (!rank) {
          failure = outcome instanceof RateLimitStorageError ? outcome : new RateLimitStorageError('the rate-limit journal lost a record');
          break;
        }
        windows.push({ limit: slot.limit, windowSeconds: slot.windowSeconds, remaining: Math.max(0, slot.limit - rank), resetAt: slot.resetAt, allowed: rank <= slot.limit });
      }
      if (failure === undefined) request.resolve(decide(windows, request.now));
      else request.reject(failure);
    }
  };

  const journalFor = (windowSeconds: number, index: number): Journal => {
    const current = open.get(windowSeconds);
    if (current !== undefined && current.index === index) return current.journal;
    if (!ready) {
      fsImpl.mkdirSync(options.dir, { recursive: true, mode: 0o700 });
      ready = true;
    }
    // Requests of the old window still waiting are written to it before it closes.
    if (current?.journal.hasBatch) commit();
    const file = path.join(options.dir, `w${windowSeconds}-${index}.log`);
    let journal: Journal;
    try {
      journal = new Journal(fsImpl, file);
    } catch (error) {
      // The folder was removed while we ran (an admin cleaning up): make it again, once.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      fsImpl.mkdirSync(options.dir, { recursive: true, mode: 0o700 });
      journal = new Journal(fsImpl, file);
    }
    // Closed whichever way the window moved: a clock stepped back must not leak a descriptor.
    if (current !== undefined) {
      current.journal.close();
      if (current.index < index) removeOld(windowSeconds, index);
    }
    open.set(windowSeconds, { index, journal });
    return journal;
  };

  /**
   * Windows that ended before the previous one: nobody can count in them any more. Every
   * window length is swept, not only this one: a length no rule uses any more (the limits were
   * reconfigured) would otherwise leave its last files behind for good.
   */
  const removeOld = (windowSeconds: number, index: number): void => {
    const nowSeconds = index * windowSeconds;
    let names: string[];
    try {
      names = fsImpl.readdirSync(options.dir);
    } catch {
      return;
    }
    for (const name of names) {
      const m = FILE.exec(name);
      // Ended more than one of its own windows ago: (j + 2) × length ≤ now.
      if (m === null || (Number(m[2]) + 2) * Number(m[1]) > nowSeconds) continue;
      try {
        fsImpl.unlinkSync(path.join(options.dir, name));
      } catch {
        // Another process removed it first.
      }
    }
  };

  return {
    consume(key: string, rule: Rule, now: number): Promise<Decision> {
      const recordKey = journalKey(rule.name, key);
      const slots: Slot[] = [];
      try {
        for (const w of rule.windows) {
          const index = windowIndex(now, w.windowSeconds);
          slots.push({ limit: w.limit, windowSeconds: w.windowSeconds, journal: journalFor(w.windowSeconds, index), resetAt: windowReset(index, w.windowSeconds) });
        }
      } catch (error) {
        return Promise.reject(storageError(error));
      }
      // Counts only grow within a window, and the lines already queued this turn rank before
      // this one: a key already at its limit is refused without a write, however stale this
      // process's view is.
      let full = false;
      for (const s of slots) if (s.journal.known(recordKey) >= s.limit) full = true;
      if (full) {
        return Promise.resolve(
          decide(
            slots.map((s) => {
              const known = s.journal.known(recordKey);
              return { limit: s.limit, windowSeconds: s.windowSeconds, remaining: Math.max(0, s.limit - known), resetAt: s.resetAt, allowed: known < s.limit };
            }),
            now,
          ),
        );
      }
      sequence += 1;
      const id = `${tag}${sequence.toString(36)}`;
      const places = slots.map((s) => s.journal.enqueue(id, recordKey));
      const answer = new Promise<Decision>((resolve, reject) => waiting.push({ slots, places, now, resolve, reject }));
      if (waiting.length >= MAX_BATCH) commit();
      else if (!scheduled) {
        scheduled = true;
        setImmediate(commit);
      }
      return answer;
    },
    close() {
      commit();
      for (const { journal } of open.values()) journal.close();
      open.clear();
    },
  };
}

function storageError(error: unknown): RateLimitStorageError {
  if (error instanceof RateLimitStorageError) return error;
  const code = (error as NodeJS.ErrnoException | undefined)?.code ?? 'error';
  return new RateLimitStorageError(`the rate-limit storage cannot be written (${code})`, { cause: error });
}
