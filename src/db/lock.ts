/**
 * An exclusive lock shared by the app's processes, as a file. Created whole with link(2),
 * which fails if the name exists, so a lock file is never seen half-written. It names its
 * owner (pid, the process's start time, host); a lock whose owner on this host is gone is
 * stale, and is broken under a second short "breaker" lock so that two processes cannot both
 * break it and then both believe they hold it. A live owner is never robbed, however slow.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { link, readFile, stat, unlink, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';

export interface LockOwner {
  readonly pid: number;
  /** Process start time from /proc, so a reused pid is not mistaken for the owner. */
  readonly start: string;
  readonly host: string;
  readonly token: string;
}

export interface FileLockOptions {
  /** Give up after this long (ms); the caller reports the store as busy. */
  readonly timeoutMs?: number;
  /** Is this process (of this host) still the one that took the lock? Injected for tests. */
  readonly isAlive?: (owner: LockOwner) => boolean;
  /** A breaker older than this is abandoned (its owner died in the microseconds it is held). */
  readonly breakerStaleMs?: number;
  /** For a lock from another host (a shared network folder): stale after this long. */
  readonly foreignStaleMs?: number;
}

export class LockTimeoutError extends Error {
  constructor(path: string, timeoutMs: number) {
    super(`could not take the lock ${path} within ${timeoutMs} ms`);
    this.name = 'LockTimeoutError';
  }
}

export interface HeldLock {
  release(): Promise<void>;
  /** True while this lock is still ours: checked just before a commit, as a fence. */
  stillHeld(): Promise<boolean>;
}

const HOST = hostname();
let selfStart: string | undefined;

/** /proc/PID/stat from field 3 (the state) on, counted after the command name (which may hold spaces). */
function procStat(pid: number): string[] {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return [];
  }
}

export function processStart(pid: number): string {
  return procStat(pid)[19] ?? ''; // field 22
}

export function defaultIsAlive(owner: LockOwner): boolean {
  try {
    process.kill(owner.pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
  }
  const fields = procStat(owner.pid);
  // A zombie (killed, not yet reaped by a parent that may never call wait) holds nothing.
  if (fields[0] === 'Z') return false;
  const start = fields[19] ?? '';
  return owner.start === '' || start === '' || start === owner.start;
}

/**
 * Named like the database's own temporary files (<pid>-<hex>.tmp), so that the sweep at open
 * (removeOrphanTemps) also removes one left by a process killed between writing and linking it.
 */
export function lockTempName(target: string, owner: Pick<LockOwner, 'pid' | 'token'>): string {
  return `${target}.${owner.pid}-${Buffer.from(owner.token, 'base64url').toString('hex')}.tmp`;
}

export function createFileLock(path: string, options: FileLockOptions = {}) {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const isAlive = options.isAlive ?? defaultIsAlive;
  const breakerStaleMs = options.breakerStaleMs ?? 2000;
  const foreignStaleMs = options.foreignStaleMs ?? 60_000;
  selfStart ??= processStart(process.pid);

  const me = (): LockOwner => ({ pid: process.pid, start: selfStart ?? '', host: HOST, token: randomBytes(12).toString('base64url') });

  async function tryCreate(target: string, owner: LockOwner): Promise<boolean> {
    const temp = lockTempName(target, owner);
    // The write inside the try: on a full disk writeFile creates the file and then fails to
    // fill it, and the empty file must go too, or each failed attempt leaves one behind.
    try {
      await writeFile(temp, JSON.stringify(owner), { mode: 0o600 });
      await link(temp, target);
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw error;
    } finally {
      await unlink(temp).catch(() => undefined);
    }
  }

  async function readOwner(target: string): Promise<{ owner: LockOwner | undefined; ageMs: number } | undefined> {
    try {
      const [text, info] = await Promise.all([readFile(target, 'utf8'), stat(target)]);
      let owner: LockOwner | undefined;
      try {
        owner = JSON.parse(text) as LockOwner;
      } catch {
        owner = undefined; // unreadable content: judged by age alone
      }
      return { owner, ageMs: Date.now() - info.mtimeMs };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  function stale(found: { owner: LockOwner | undefined; ageMs: number }, foreignMs: number): boolean {
    if (found.owner === undefined) return found.ageMs > breakerStaleMs;
    if (found.owner.host !== HOST) return found.ageMs > foreignMs;
    return !isAlive(found.owner);
  }

  /**
   * Removes the lock only if it still is the stale one we saw, holding the breaker meanwhile.
   * False when nothing changed (another process holds the breaker): the caller then waits and
   * minds its deadline instead of spinning.
   */
  async function breakStale(seen: LockOwner | undefined): Promise<boolean> {
    const breaker = `${path}.break`;
    const owner = me();
    const removed = (file: string): Promise<boolean> => unlink(file).then(() => true, () => false);
    if (!(await tryCreate(breaker, owner))) {
      const other = await readOwner(breaker);
      if (other === undefined) return true;
      return (other.ageMs > breakerStaleMs || stale(other, breakerStaleMs)) && removed(breaker);
    }
    try {
      const now = await readOwner(path);
      return now === undefined || now.owner?.token !== seen?.token || (await removed(path));
    } finally {
      await unlink(breaker).catch(() => undefined);
    }
  }

  return {
    path,
    /** Resolves once this process holds the lock; `call.timeoutMs` overrides the lock's timeout for this call. */
    async acquire(call?: { readonly timeoutMs: number }): Promise<HeldLock> {
      const owner = me();
      const limitMs = call?.timeoutMs ?? timeoutMs;
      const deadline = Date.now() + limitMs;
      let wait = 1;
      for (;;) {
        if (await tryCreate(path, owner)) {
          const ours = async (): Promise<boolean> => (await readOwner(path))?.owner?.token === owner.token;
          return {
            stillHeld: ours,
            async release() {
              if (await ours()) await unlink(path).catch(() => undefined);
            },
          };
        }
        const found = await readOwner(path);
        if (found !== undefined && stale(found, foreignStaleMs) && (await breakStale(found.owner))) continue;
        if (Date.now() >= deadline) throw new LockTimeoutError(path, limitMs);
        await new Promise((resolve) => setTimeout(resolve, wait));
        wait = Math.min(wait * 2, 25);
      }
    },
  };
}

export type FileLock = ReturnType<typeof createFileLock>;
