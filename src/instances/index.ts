/**
 * Which app processes run over a DATA_DIR. Under Passenger there is no fixed port to probe,
 * processes come and go on demand, and a monitoring request would itself start one; so each
 * process says so in the data folder: `run/<pid>.json` (pid, start time, host), written at
 * start-up and removed on a clean exit. One killed with SIGKILL leaves its entry behind: an
 * entry counts only while its pid is alive with the same start time (a reused pid is someone
 * else), judged as the database lock judges its owners (db/lock.ts); dead ones are removed
 * when read.
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { defaultIsAlive, processStart, type LockOwner } from '../db/lock.ts';

export interface Instance {
  readonly pid: number;
  /** Process start time from /proc (clock ticks since boot), so a reused pid is not mistaken for this one. */
  readonly start: string;
  readonly host: string;
  /** ISO time of registration, for people reading the folder. */
  readonly since: string;
}

export const RUN_FOLDER = 'run';

export interface InstanceOptions {
  /** Is this process still the one registered? Injected for tests. */
  readonly isAlive?: (owner: LockOwner) => boolean;
  readonly now?: () => Date;
}

/**
 * Registers this process. Returns the function that removes the entry (call it on exit).
 * Throws only for a data folder it cannot write, which the caller logs: a process that cannot
 * register still serves, it is merely invisible to `restore`.
 */
export function registerInstance(dataDir: string, options: InstanceOptions = {}): () => void {
  const dir = path.join(dataDir, RUN_FOLDER);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const entry: Instance = {
    pid: process.pid,
    start: processStart(process.pid),
    host: hostname(),
    since: (options.now ?? (() => new Date()))().toISOString(),
  };
  const file = path.join(dir, `${process.pid}.json`);
  // Whole or absent: a reader never sees half an entry.
  const temp = `${file}.tmp`;
  writeFileSync(temp, JSON.stringify(entry), { mode: 0o600 });
  renameSync(temp, file);
  return () => {
    try {
      unlinkSync(file);
    } catch {
      // Already gone (the folder was cleaned): nothing to undo.
    }
  };
}

/**
 * The app processes running now over `dataDir` (this one excluded). An entry from another host
 * (a data folder shared over the network) cannot be checked from here and counts as running.
 */
export function runningInstances(dataDir: string, options: InstanceOptions = {}): Instance[] {
  const isAlive = options.isAlive ?? defaultIsAlive;
  const dir = path.join(dataDir, RUN_FOLDER);
  const here = hostname();
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const running: Instance[] = [];
  for (const name of names) {
    // A process killed between writing its entry and renaming it into place leaves the temporary file.
    const orphan = /^(\d+)\.json\.tmp$/.exec(name);
    if (orphan !== null && !isAlive({ pid: Number(orphan[1]), start: '', host: here, token: '' })) unlinkQuietly(path.join(dir, name));
    if (!/^\d+\.json$/.test(name)) continue;
    const file = path.join(dir, name);
    let entry: Instance | undefined;
    try {
      entry = parse(readFileSync(file, 'utf8'));
    } catch {
      continue; // removed meanwhile
    }
    if (entry !== undefined && entry.pid === process.pid && entry.host === here) continue;
    if (entry !== undefined && (entry.host !== here || isAlive({ pid: entry.pid, start: entry.start, host: entry.host, token: '' }))) {
      running.push(entry);
      continue;
    }
    unlinkQuietly(file); // a process that died without cleaning up (or unreadable content)
  }
  return running.sort((a, b) => a.pid - b.pid);
}

function unlinkQuietly(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // another reader removed it first
  }
}

function parse(text: string): Instance | undefined {
  try {
    const value = JSON.parse(text) as Partial<Instance>;
    if (typeof value.pid !== 'number' || typeof value.start !== 'string' || typeof value.host !== 'string') return undefined;
    return { pid: value.pid, start: value.start, host: value.host, since: typeof value.since === 'string' ? value.since : '' };
  } catch {
    return undefined;
  }
}
