/**
 * A few places for the costliest work across every process of the account: a PDF render and a
 * CSV import each run in a child process of 100–300 MB, and Passenger may run four app processes
 * or more. One at a time per process (one-at-a-time.ts) still lets four children start at once,
 * which is what takes an account over a 512 MB cap. Each slot is a lock file in DATA_DIR/run
 * (db/lock.ts: created whole, naming its owner, recovered when the owner dies); a task takes any
 * free slot, or waits for one, up to `waitMs`, then fails with SlotsBusyError (503 "busy").
 *
 * The locks are passed in (this folder imports nothing). A slot that cannot be taken for any
 * reason other than "busy" (a full or read-only disk) does not stop the work: it runs without a
 * slot and `onError` reports why, since refusing every PDF is worse than the risk it guards.
 */

/** The part of db/lock.ts's FileLock used here: `timeoutMs: 0` is one try. */
export interface SlotLock {
  acquire(call: { readonly timeoutMs: number }): Promise<{ release(): Promise<void> }>;
}

export class SlotsBusyError extends Error {
  constructor(waitedMs: number) {
    super(`no free slot for heavy work after ${waitedMs} ms`);
    this.name = 'SlotsBusyError';
  }
}

export interface AccountSlotsOptions {
  /** How long a task waits for a free slot before SlotsBusyError. */
  readonly waitMs: number;
  /** Pause between rounds while every slot is taken (a little jitter is added). */
  readonly pollMs?: number;
  readonly onError?: (error: unknown) => void;
}

export type SlotRunner = <T>(task: () => Promise<T>) => Promise<T>;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export function accountSlots(locks: readonly SlotLock[], options: AccountSlotsOptions): SlotRunner {
  if (locks.length === 0) throw new Error('accountSlots needs at least one slot');
  const pollMs = options.pollMs ?? 50;

  /** A held slot, undefined if every slot is busy, or 'failed' if the locks themselves cannot be used. */
  async function tryAll(): Promise<{ release(): Promise<void> } | undefined | 'failed'> {
    const first = Math.floor(Math.random() * locks.length);
    let failures = 0;
    for (let i = 0; i < locks.length; i += 1) {
      const lock = locks[(first + i) % locks.length] as SlotLock;
      try {
        return await lock.acquire({ timeoutMs: 0 });
      } catch (error) {
        if (error instanceof Error && error.name === 'LockTimeoutError') continue;
        failures += 1;
        if (failures === locks.length) {
          options.onError?.(error);
          return 'failed';
        }
      }
    }
    return undefined;
  }

  return async <T>(task: () => Promise<T>): Promise<T> => {
    const started = Date.now();
    for (;;) {
      const slot = await tryAll();
      if (slot === 'failed') return task();
      if (slot !== undefined) {
        try {
          return await task();
        } finally {
          await slot.release().catch((error: unknown) => options.onError?.(error));
        }
      }
      const waited = Date.now() - started;
      if (waited >= options.waitMs) throw new SlotsBusyError(waited);
      await sleep(Math.min(pollMs + Math.random() * pollMs, Math.max(1, options.waitMs - waited)));
    }
  };
}
