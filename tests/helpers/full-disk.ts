/**
 * A real full disk: a small tmpfs mounted for one test and filled to the last byte, so writes
 * fail with ENOSPC exactly where the kernel makes them fail (creating a file still works: it
 * takes an inode, not a block). Needs root and mount(2); in CI (root) a failure to mount fails
 * the test, locally it skips loudly.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestContext } from 'node:test';
import { cannotRun } from './system.ts';

export interface FullDisk {
  readonly dir: string;
  /** Frees the filler, so the disk takes writes again. */
  free(): void;
}

export function fullDisk(t: TestContext, sizeKiB = 256): FullDisk | undefined {
  const dir = mkdtempSync(path.join(tmpdir(), 'dashboard-full-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeKiB}k,mode=0755`, 'tmpfs', dir], { stdio: 'pipe' });
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    const why = `cannot mount a small tmpfs to stand for a full disk (needs root): ${(error as Error).message.split('\n')[0]}`;
    cannotRun(t, why, `SKIPPED: ${why}`);
    return undefined;
  }
  t.after(() => {
    execFileSync('umount', ['-l', dir], { stdio: 'pipe' });
    rmSync(dir, { recursive: true, force: true });
  });
  const filler = path.join(dir, '.filler');
  try {
    writeFileSync(filler, Buffer.alloc(sizeKiB * 1024));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  }
  return { dir, free: () => rmSync(filler, { force: true }) };
}
