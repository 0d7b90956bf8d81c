/**
 * A stand-in for a shared host's per-account limit (CloudLinux LVE): a cgroup v1 memory group
 * and a pids group, made by root under /sys/fs/cgroup, which processes enter by writing their
 * own pid (a wrapper around node does it, as the app's user: the group's cgroup.procs files
 * are handed to that user). As on CloudLinux, only the account's own processes are counted —
 * the app and its children — not Apache or Passenger's core.
 */
import { chownSync, existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export const MEMORY_ROOT = '/sys/fs/cgroup/memory';
export const PIDS_ROOT = '/sys/fs/cgroup/pids';

export interface Limits {
  readonly memoryBytes: number;
  readonly pids: number;
}

export interface AccountGroup {
  readonly name: string;
  /** A shell script: enter both groups, then exec `node` with the arguments given. */
  wrapper(node: string): string;
  /** The pids in the memory group now. */
  members(): number[];
  readings(): GroupReadings;
  /** Waits for the groups to empty (their processes gone), then removes them. */
  remove(ms?: number): Promise<void>;
}

export interface GroupReadings {
  readonly usageBytes: number;
  readonly maxUsageBytes: number;
  /** Hitting the limit: also counts page cache being reclaimed, which is harmless. */
  readonly failcnt: number;
  /** Processes the kernel killed for the group's memory (memory.oom_control's oom_kill). */
  readonly oomKills: number;
  readonly underOom: boolean;
  /** memory.stat: anonymous memory (total_rss) and page cache (total_cache). */
  readonly rssBytes: number;
  readonly cacheBytes: number;
  readonly pids: number;
}

function read(file: string): string {
  return readFileSync(file, 'utf8');
}

function field(text: string, name: string): number {
  const match = new RegExp(`^${name} (\\d+)$`, 'm').exec(text);
  return match === null ? 0 : Number(match[1]);
}

export function cgroupsAvailable(): boolean {
  return existsSync(path.join(MEMORY_ROOT, 'memory.limit_in_bytes')) && existsSync(path.join(PIDS_ROOT, 'cgroup.procs'));
}

/** Makes the two groups (names unique to this run), limited, entered by `owner`'s processes. */
export function accountGroup(prefix: string, limits: Limits, owner: { uid: number; gid: number }): AccountGroup {
  const name = `${prefix}-${process.pid}-${Date.now().toString(36)}`;
  const memory = path.join(MEMORY_ROOT, name);
  const pids = path.join(PIDS_ROOT, name);
  for (const dir of [memory, pids]) {
    // mkdir on cgroupfs creates the group with its control files.
    mkdirSync(dir);
  }
  writeFileSync(path.join(memory, 'memory.limit_in_bytes'), String(limits.memoryBytes));
  // No swap here; set the memory+swap limit too where the kernel offers it, so none is used.
  if (existsSync(path.join(memory, 'memory.memsw.limit_in_bytes'))) writeFileSync(path.join(memory, 'memory.memsw.limit_in_bytes'), String(limits.memoryBytes));
  writeFileSync(path.join(pids, 'pids.max'), String(limits.pids));
  for (const dir of [memory, pids]) chownSync(path.join(dir, 'cgroup.procs'), owner.uid, owner.gid);

  const members = (dir: string): number[] =>
    read(path.join(dir, 'cgroup.procs'))
      .split('\n')
      .filter(Boolean)
      .map(Number);
  return {
    name,
    wrapper: (node) =>
      `#!/bin/sh\n# Enters the test's account groups (tests/helpers/cgroup.ts), then runs node.\n` +
      `echo $$ > ${path.join(memory, 'cgroup.procs')} || exit 70\n` +
      `echo $$ > ${path.join(pids, 'cgroup.procs')} || exit 70\n` +
      `exec ${node} "$@"\n`,
    members: () => members(memory),
    readings() {
      const oom = read(path.join(memory, 'memory.oom_control'));
      const stat = read(path.join(memory, 'memory.stat'));
      return {
        usageBytes: Number(read(path.join(memory, 'memory.usage_in_bytes'))),
        maxUsageBytes: Number(read(path.join(memory, 'memory.max_usage_in_bytes'))),
        failcnt: Number(read(path.join(memory, 'memory.failcnt'))),
        oomKills: field(oom, 'oom_kill'),
        underOom: field(oom, 'under_oom') === 1,
        rssBytes: field(stat, 'total_rss'),
        cacheBytes: field(stat, 'total_cache'),
        pids: Number(read(path.join(pids, 'pids.current'))),
      };
    },
    async remove(ms = 20_000) {
      const deadline = Date.now() + ms;
      for (const dir of [memory, pids]) {
        if (!existsSync(dir)) continue;
        while (members(dir).length > 0) {
          if (Date.now() >= deadline) throw new Error(`cgroup ${dir} still holds ${members(dir).join(', ')}`);
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
        rmdirSync(dir);
      }
    },
  };
}
