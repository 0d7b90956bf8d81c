/** Just enough of /proc to find the processes a private Apache + Passenger started, and end them. */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

export interface ProcessInfo {
  readonly pid: number;
  readonly ppid: number;
  readonly uid: number;
  /** One letter from /proc/PID/stat: R, S, D, Z (zombie: exited, not yet reaped)... */
  readonly state: string;
  /** The command line, arguments joined by spaces (Passenger renames its processes, cutting long names). */
  readonly command: string;
  /** The working folder ('' if unreadable): Passenger starts each app in its app root. */
  readonly cwd: string;
}

function readProcess(pid: number): ProcessInfo | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so cut at the last ')'.
    const [state = '?', ppid = '0'] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const uid = Number(/^Uid:\s+(\d+)/m.exec(status)?.[1] ?? -1);
    const command = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
    let cwd = '';
    try {
      cwd = readlinkSync(`/proc/${pid}/cwd`);
    } catch {
      // another user's process when not root, or a zombie
    }
    return { pid, ppid: Number(ppid), uid, state, command, cwd };
  } catch {
    return undefined; // it exited while we looked
  }
}

export function listProcesses(): ProcessInfo[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map((name) => readProcess(Number(name)))
    .filter((p): p is ProcessInfo => p !== undefined);
}

/** The process and all its descendants (by parent pid), live ones only. */
export function processTree(rootPid: number, all: readonly ProcessInfo[] = listProcesses()): ProcessInfo[] {
  const tree = new Set([rootPid]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const p of all) {
      if (!tree.has(p.pid) && tree.has(p.ppid)) {
        tree.add(p.pid);
        grew = true;
      }
    }
  }
  return all.filter((p) => tree.has(p.pid) && p.state !== 'Z');
}

/** True while the pid names a running process (a zombie has already exited). */
export function alive(pid: number): boolean {
  const info = readProcess(pid);
  return info !== undefined && info.state !== 'Z';
}

/** Waits until none of `pids` is alive; returns those still alive after `ms`. */
export async function waitGone(pids: readonly number[], ms: number): Promise<number[]> {
  const deadline = Date.now() + ms;
  for (;;) {
    const left = pids.filter(alive);
    if (left.length === 0 || Date.now() >= deadline) return left;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Numeric ids of a user and a group, for chown and for checking who a process runs as. */
export function systemIds(user: string, group: string): { uid: number; gid: number } {
  const uid = Number(spawnSync('id', ['-u', user], { encoding: 'utf8' }).stdout.trim());
  const gid = Number(spawnSync('getent', ['group', group], { encoding: 'utf8' }).stdout.split(':')[2]);
  if (!Number.isInteger(uid) || !Number.isInteger(gid)) throw new Error(`no such user or group: ${user}:${group}`);
  return { uid, gid };
}
